using System.Runtime.CompilerServices;
using Google.Protobuf;
using LiquidMetal.Grpc.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LiquidMetal.Grpc;

/// <summary>Maps gRPC methods onto ASP.NET Core endpoints (Kestrel must serve HTTP/2: <c>HttpProtocols.Http2</c> for h2c).</summary>
public static class GrpcEndpointRouteBuilderExtensions
{
    // One UNIMPLEMENTED fallback per route builder, added with its first gRPC method.
    private static readonly ConditionalWeakTable<IEndpointRouteBuilder, object> FallbackMapped = [];

    /// <summary>Maps a unary method, e.g. <c>/liquidmetal.agent.v1.HostAgent/Apply</c>.</summary>
    public static IEndpointConventionBuilder MapGrpcUnary<TRequest, TResponse>(
        this IEndpointRouteBuilder endpoints, string method, Func<TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(handler);
        var (options, logger) = Resolve(endpoints);
        var served = ServerMethod<TRequest, TResponse>.Unary(method, handler, options, logger);
        return Map(endpoints, method, served.HandleAsync);
    }

    /// <summary>Maps a server-streaming method; the handler writes responses until it returns.</summary>
    public static IEndpointConventionBuilder MapGrpcServerStreaming<TRequest, TResponse>(
        this IEndpointRouteBuilder endpoints,
        string method,
        Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(handler);
        var (options, logger) = Resolve(endpoints);
        var served = ServerMethod<TRequest, TResponse>.ServerStreaming(method, handler, options, logger);
        return Map(endpoints, method, served.HandleAsync);
    }

    private static IEndpointConventionBuilder Map(IEndpointRouteBuilder endpoints, string method, RequestDelegate handle)
    {
        ValidateMethodName(method);
        if (FallbackMapped.TryAdd(endpoints, new object()))
        {
            // Last in order, so any mapped method or application route wins; gRPC paths always have two segments.
            endpoints.Map("/{service}/{method}", RequestCheck.AnswerUnknownMethod)
                .WithOrder(int.MaxValue)
                .WithDisplayName("gRPC unimplemented method");
        }

        return endpoints.Map(method, handle).WithDisplayName("gRPC " + method);
    }

    private static (GrpcServerOptions Options, ILogger Logger) Resolve(IEndpointRouteBuilder endpoints)
    {
        var services = endpoints.ServiceProvider;
        var options = services.GetService<IOptions<GrpcServerOptions>>()?.Value ?? new GrpcServerOptions();
        var loggerFactory = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        return (options, loggerFactory.CreateLogger("LiquidMetal.Grpc.Server"));
    }

    private static void ValidateMethodName(string method)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        var parts = method.Split('/');
        if (parts.Length != 3 || parts[0].Length != 0 || parts[1].Length == 0 || parts[2].Length == 0
            || method.AsSpan().IndexOfAny('{', '}', '*') >= 0)
        {
            throw new ArgumentException($"'{method}' is not a full gRPC method name such as /package.Service/Method.", nameof(method));
        }
    }
}
