namespace LiquidMetal.Fleet.Diagnostics;

/// <summary>One problem found in a fleet, printed as <c>file:line:col: error: message</c>.</summary>
public sealed record Diagnostic(SourceLocation Location, string Message)
{
    public override string ToString() => $"{Location}: error: {Message}";
}
