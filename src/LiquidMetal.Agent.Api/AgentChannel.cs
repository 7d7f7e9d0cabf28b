using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;

namespace LiquidMetal.Agent.Api;

/// <summary>
/// gRPC channels to host agents: HTTP/2 with prior knowledge for http:// endpoints, TLS (mutual when a client
/// certificate is given) for https://. A channel is one connection pool; calls on it share connections.
/// </summary>
public static class AgentChannel
{
    /// <summary>A channel to the agent at <paramref name="endpoint"/>; dispose it to close its connections.</summary>
    public static GrpcChannel Create(Uri endpoint, AgentClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        options ??= new AgentClientOptions();
        var secure = endpoint.Scheme == Uri.UriSchemeHttps;
        if (!endpoint.IsAbsoluteUri || (!secure && endpoint.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"'{endpoint}' is not an agent endpoint: expected http://host:port or https://host:port", nameof(endpoint));
        }

        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,

            // Watch streams hold HTTP/2 streams open for as long as a fleet converges; when an agent's stream limit is
            // reached, more calls go on a further connection instead of queueing behind the watchers.
            EnableMultipleHttp2Connections = true,

            // An http_proxy from the environment would break prior-knowledge HTTP/2; agents are reached directly.
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            SslOptions = SslOptions(options),
        };

        var channel = new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = options.MaxReceiveMessageBytes,
            MaxSendMessageSize = null,
        };

        if (options.BearerToken is { } token)
        {
            var bearer = CallCredentials.FromInterceptor((_, metadata) =>
            {
                metadata.Add("authorization", "Bearer " + token);
                return Task.CompletedTask;
            });
            channel.Credentials = ChannelCredentials.Create(secure ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure, bearer);

            // The operator chose http:// (an agent on loopback, or one started with --insecure on a trusted network):
            // the token goes in the clear there, as the agent expects it.
            channel.UnsafeUseInsecureChannelCallCredentials = !secure;
        }

        return GrpcChannel.ForAddress(endpoint, channel);
    }

    private static SslClientAuthenticationOptions SslOptions(AgentClientOptions options)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (options.CertificateAuthority is { } authority)
        {
            ssl.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                // Only the chain is judged against the private CA; a wrong host name or no certificate still fails.
                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                {
                    return false;
                }

                var presented = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                return CertificateChain.IsIssuedBy(presented, authority, chain);
            };
        }

        if (options.ClientCertificate is { } client)
        {
            ssl.ClientCertificates = [client];
        }

        return ssl;
    }
}
