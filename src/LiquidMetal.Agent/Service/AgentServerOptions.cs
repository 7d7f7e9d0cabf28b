using System.Net;

namespace LiquidMetal.Agent.Service;

/// <summary>How the agent listens and whom it lets in.</summary>
public sealed record AgentServerOptions
{
    /// <summary>Address and port, e.g. 0.0.0.0:7443 or 127.0.0.1:0 (any free port).</summary>
    public required IPEndPoint Listen { get; init; }

    /// <summary>PEM certificate and key for TLS; plaintext HTTP/2 (h2c) when null.</summary>
    public string? CertificateFile { get; init; }

    public string? KeyFile { get; init; }

    /// <summary>When set, clients must present a certificate issued by this CA (mutual TLS).</summary>
    public string? ClientCaFile { get; init; }

    /// <summary>When set, every call must carry <c>authorization: Bearer &lt;token&gt;</c> with this token.</summary>
    public string? BearerToken { get; init; }

    /// <summary>Plaintext on a non-loopback address is refused unless this is set.</summary>
    public bool AllowInsecure { get; init; }

    /// <summary>Largest request accepted; a larger one is refused with ResourceExhausted (a 100-VM spec is about 60 KB).</summary>
    public int MaxReceiveMessageBytes { get; init; } = 32 * 1024 * 1024;

    /// <summary>Concurrent calls per HTTP/2 connection (Kestrel's default of 100 is too few for a busy reconciler plus watchers).</summary>
    public int MaxStreamsPerConnection { get; init; } = 1000;
}
