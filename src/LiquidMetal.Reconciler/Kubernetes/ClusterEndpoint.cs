namespace LiquidMetal.Reconciler.Kubernetes;

/// <summary>Checks an API server endpoint (<c>https://host:port</c>) and gives its canonical text.</summary>
internal static class ClusterEndpoint
{
    public static Uri Parse(string endpoint)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps
            || uri.UserInfo.Length != 0 || uri.Query.Length != 0 || uri.Fragment.Length != 0 || uri.AbsolutePath != "/")
        {
            throw new ArgumentException($"API server endpoint '{endpoint}' must look like https://host:port", nameof(endpoint));
        }

        return uri;
    }

    /// <summary><c>https://host:port</c> without a trailing slash, as kubeconfig files write it.</summary>
    public static string Text(Uri endpoint) => $"{endpoint.Scheme}://{endpoint.Authority}";
}
