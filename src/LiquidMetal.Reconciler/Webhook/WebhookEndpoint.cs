using System.Text.Json;
using LiquidMetal.Reconciler.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LiquidMetal.Reconciler.Webhook;

/// <summary>
/// The push webhook: a signed push to the fleet branch triggers a reconcile at once. Anything
/// unsigned or wrongly signed gets 401 and triggers nothing; an oversized body is refused unread.
/// </summary>
public static class WebhookEndpoint
{
    public static IEndpointConventionBuilder MapFleetWebhook(this IEndpointRouteBuilder endpoints, WebhookOptions options, ReconcileTrigger trigger)
    {
        Func<HttpContext, Task<IResult>> handler = context => HandleAsync(context, options, trigger);
        return endpoints.MapPost(options.Path, handler);
    }

    internal static async Task<IResult> HandleAsync(HttpContext context, WebhookOptions options, ReconcileTrigger trigger)
    {
        if (context.Request.ContentLength > options.MaxBodyBytes)
        {
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }

        var body = await ReadBodyAsync(context.Request, options.MaxBodyBytes, context.RequestAborted);
        if (body is null)
        {
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }

        if (!WebhookSignature.IsValid(options.Secret, body, context.Request.Headers["X-Hub-Signature-256"]))
        {
            return Results.Text("missing or wrong X-Hub-Signature-256 (HMAC-SHA256 of the body with the webhook secret)\n", statusCode: StatusCodes.Status401Unauthorized);
        }

        var eventName = context.Request.Headers["X-GitHub-Event"].ToString();
        if (eventName == "ping")
        {
            return Results.Ok();
        }

        string? reference;
        try
        {
            using var document = JsonDocument.Parse(body);
            reference = document.RootElement.TryGetProperty("ref", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }
        catch (JsonException)
        {
            return Results.Text("body is not JSON\n", statusCode: StatusCodes.Status400BadRequest);
        }

        if (reference != "refs/heads/" + options.Branch)
        {
            return Results.Text($"ignored: push to {reference ?? "(no ref)"}, watching refs/heads/{options.Branch}\n", statusCode: StatusCodes.Status202Accepted);
        }

        trigger.Request("webhook");
        return Results.Text("reconcile triggered\n", statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        // Chunked bodies carry no Content-Length: count while reading and stop at the limit.
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
