using System.Net;

namespace LiquidMetal.Reconciler.Kubernetes;

/// <summary>A call to a cluster's API server failed; the message says which call, where and why, and holds no secret.</summary>
public sealed class ClusterApiException : Exception
{
    public ClusterApiException(ClusterApiFailure failure, string message, HttpStatusCode? statusCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
        StatusCode = statusCode;
    }

    public ClusterApiFailure Failure { get; }

    /// <summary>The HTTP status when the server answered with an error.</summary>
    public HttpStatusCode? StatusCode { get; }
}
