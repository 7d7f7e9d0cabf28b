namespace LiquidMetal.Grpc.Tests.Infrastructure;

/// <summary>Something a test server observed, e.g. a call it saw cancelled.</summary>
public sealed record ServerEvent(string Kind, string Method, string Text);
