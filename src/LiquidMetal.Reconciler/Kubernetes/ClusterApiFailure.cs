namespace LiquidMetal.Reconciler.Kubernetes;

/// <summary>What went wrong talking to a cluster's API server.</summary>
public enum ClusterApiFailure
{
    /// <summary>No connection: refused, no route, or the name does not resolve.</summary>
    Unreachable,

    /// <summary>No answer within the call's timeout (a VIP nobody holds, a hung handshake).</summary>
    Timeout,

    /// <summary>The server's certificate is not from the cluster CA, or does not name the endpoint.</summary>
    UntrustedServer,

    /// <summary>TLS failed for another reason, e.g. the server refused the client certificate in the handshake.</summary>
    TlsFailed,

    /// <summary>HTTP 401: the client certificate is not from this cluster's CA, or has expired.</summary>
    Unauthorized,

    /// <summary>HTTP 403: authenticated, but not allowed.</summary>
    Forbidden,

    /// <summary>HTTP 404.</summary>
    NotFound,

    /// <summary>HTTP 409, or an object that exists but differs from what was asked for.</summary>
    Conflict,

    /// <summary>Any other HTTP error status.</summary>
    ApiError,

    /// <summary>A 2xx answer that is not the Kubernetes object expected.</summary>
    BadResponse,
}
