using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace LiquidMetal.Grpc;

/// <summary>Connection and limit settings for a <see cref="GrpcClient"/> that owns its HTTP/2 connection.</summary>
public sealed class GrpcClientOptions
{
    /// <summary>Trust only this CA for the server's certificate (the host name is still checked); null uses the system store.</summary>
    public X509Certificate2? CertificateAuthority { get; set; }

    /// <summary>A custom check of the server's certificate; when set it decides alone, replacing <see cref="CertificateAuthority"/>.</summary>
    public Func<X509Certificate2, X509Chain?, SslPolicyErrors, bool>? ServerCertificateValidation { get; set; }

    /// <summary>The certificate, with its private key, presented to the server for mutual TLS.</summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>Sent as <c>authorization: Bearer {token}</c> on every call.</summary>
    public string? BearerToken { get; set; }

    /// <summary>The largest response message accepted, in bytes; a larger one fails the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; set; } = Internal.GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>The largest request message sent, in bytes, or null for no limit.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>How long to wait for the TCP and TLS connection.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Send HTTP/2 pings after this much idle time to detect a dead connection; infinite sends none.</summary>
    /// <remarks>gRPC servers reject pings more often than every 5 minutes by default (GOAWAY "too_many_pings").</remarks>
    public TimeSpan KeepAlivePingDelay { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>How long a keep-alive ping may go unanswered before the connection is closed.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);
}
