using System.Security.Cryptography;
using System.Text;

namespace LiquidMetal.Grpc;

/// <summary>Ready-made call checks for <see cref="GrpcServerOptions.OnCallStarting"/>.</summary>
public static class GrpcAuthorization
{
    private const string Scheme = "Bearer ";

    /// <summary>A check that rejects calls without <c>authorization: Bearer {token}</c> with UNAUTHENTICATED.</summary>
    public static Func<ServerCallContext, ValueTask> RequireBearerToken(string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        return context =>
        {
            var header = context.RequestHeaders.GetValue("authorization");
            if (header is null || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
            {
                throw new RpcException(StatusCode.Unauthenticated, "A bearer token is required.");
            }

            // Comparing hashes in fixed time reveals neither the token's content nor its length through timing.
            var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()));
            if (!CryptographicOperations.FixedTimeEquals(presented, expected))
            {
                throw new RpcException(StatusCode.Unauthenticated, "The bearer token is not valid.");
            }

            return ValueTask.CompletedTask;
        };
    }
}
