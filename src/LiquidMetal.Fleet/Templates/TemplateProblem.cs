namespace LiquidMetal.Fleet.Templates;

/// <summary>A problem in a user-data template: where it starts in the template text, how long it is, and what is wrong.</summary>
public sealed record TemplateProblem(int Offset, int Length, string Message);
