namespace LiquidMetal.Fleet.Diagnostics;

/// <summary>A place in a fleet file: a path relative to the fleet root ('/'-separated) and a 1-based line and column (0 when unknown).</summary>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    public static SourceLocation OfFile(string file) => new(file, 0, 0);

    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}" : File;
}
