namespace LiquidMetal.Grpc.Internal;

/// <summary>How a server call ends: the status sent in the trailers.</summary>
internal readonly record struct CallStatus(StatusCode Code, string? Detail, Metadata? Trailers);
