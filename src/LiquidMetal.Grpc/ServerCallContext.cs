using System.Security.Cryptography.X509Certificates;

namespace LiquidMetal.Grpc;

/// <summary>What a server handler knows about its call: request metadata, deadline, cancellation, and response metadata.</summary>
public sealed class ServerCallContext
{
    internal ServerCallContext(
        string method,
        Metadata requestHeaders,
        DateTimeOffset? deadline,
        CancellationToken cancellationToken,
        string peer,
        X509Certificate2? clientCertificate)
    {
        Method = method;
        RequestHeaders = requestHeaders;
        Deadline = deadline;
        CancellationToken = cancellationToken;
        Peer = peer;
        ClientCertificate = clientCertificate;
    }

    /// <summary>The full method name, e.g. <c>/liquidmetal.agent.v1.HostAgent/Apply</c>.</summary>
    public string Method { get; }

    /// <summary>The request metadata (custom headers such as <c>authorization</c>; protocol headers are left out).</summary>
    public Metadata RequestHeaders { get; }

    /// <summary>The client's deadline from <c>grpc-timeout</c>, or null when it sent none.</summary>
    public DateTimeOffset? Deadline { get; }

    /// <summary>Cancelled when the client resets the stream, the connection drops, or the deadline passes.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The client's address and port.</summary>
    public string Peer { get; }

    /// <summary>The client's TLS certificate when the connection used mutual TLS.</summary>
    public X509Certificate2? ClientCertificate { get; }

    /// <summary>Metadata sent in the response headers; changes after the first message is written are not sent.</summary>
    public Metadata ResponseHeaders { get; } = new();

    /// <summary>Metadata sent in the trailers together with the status.</summary>
    public Metadata ResponseTrailers { get; } = new();
}
