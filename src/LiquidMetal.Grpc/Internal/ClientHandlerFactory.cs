using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace LiquidMetal.Grpc.Internal;

/// <summary>Builds the HTTP/2 connection handler and HttpClient a <see cref="GrpcClient"/> owns.</summary>
internal static class ClientHandlerFactory
{
    public static HttpClient CreateHttpClient(GrpcClientOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,

            // An http_proxy from the environment would break h2c prior knowledge; agents are reached directly.
            UseProxy = false,
            AllowAutoRedirect = false,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            SslOptions = CreateSslOptions(options),
        };

        return new HttpClient(handler, disposeHandler: true)
        {
            // Deadlines are per call; HttpClient's own 100 s default would cut long Watch streams.
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    private static SslClientAuthenticationOptions CreateSslOptions(GrpcClientOptions options)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (options.ServerCertificateValidation is { } validate)
        {
            ssl.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                certificate is not null && validate(AsCertificate2(certificate), chain, errors);
        }
        else if (options.CertificateAuthority is { } authority)
        {
            ssl.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                // Only the chain is judged against the private CA; a wrong host name or a missing certificate still fails.
                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                {
                    return false;
                }

                return CertificateChain.IsIssuedBy(AsCertificate2(certificate), authority, chain);
            };
        }

        if (options.ClientCertificate is { } clientCertificate)
        {
            ssl.ClientCertificates = [clientCertificate];
        }

        return ssl;
    }

    private static X509Certificate2 AsCertificate2(X509Certificate certificate) =>
        certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
}
