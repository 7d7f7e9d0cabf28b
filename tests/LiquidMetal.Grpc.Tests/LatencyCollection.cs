namespace LiquidMetal.Grpc.Tests;

/// <summary>Runs the latency measurement with nothing else in parallel.</summary>
[CollectionDefinition(nameof(LatencyCollection), DisableParallelization = true)]
public sealed class LatencyCollection;
