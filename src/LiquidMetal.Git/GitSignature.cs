namespace LiquidMetal.Git;

/// <summary>Who made a commit and when (passed explicitly, so commits are reproducible).</summary>
public sealed record GitSignature(string Name, string Email, DateTimeOffset When);
