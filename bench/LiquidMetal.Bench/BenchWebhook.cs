using System.Net;
using System.Security.Cryptography;
using System.Text;
using LiquidMetal.Reconciler.Hosting;
using LiquidMetal.Reconciler.Pass;

namespace LiquidMetal.Bench;

/// <summary>The reconciler as a service for the benchmarks: its loop with a webhook, and GitHub's signed push event.</summary>
internal static class BenchWebhook
{
    /// <summary>The loop with polls and resyncs an hour apart, so within a benchmark only the webhook (and the agents) start work.</summary>
    public static Task<ReconcilerHost> StartLoopAsync(ReconcilePass reconciler, byte[] secret) =>
        ReconcilerHost.StartAsync(reconciler, "main", new ReconcileLoopOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            WebhookSecret = secret,
            PollInterval = TimeSpan.FromHours(1),
            ResyncInterval = TimeSpan.FromHours(1),
        });

    /// <summary>Posts a push event for main at <paramref name="head"/>, signed with X-Hub-Signature-256 as GitHub signs it.</summary>
    public static async Task PostPushAsync(ReconcilerHost loop, byte[] secret, string head)
    {
        using var http = new HttpClient { BaseAddress = loop.Address };
        var body = Encoding.UTF8.GetBytes($$"""{"ref":"refs/heads/main","after":"{{head}}"}""");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhook") { Content = new ByteArrayContent(body) };
        request.Headers.Add("X-GitHub-Event", "push");
        request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(secret, body)));
        var response = await http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"the webhook answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Waits until the loop's last pass converged on <paramref name="head"/>.</summary>
    public static async Task<bool> ConvergedAsync(ReconcilerHost loop, string head, TimeSpan timeout, Action? whileWaiting = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (loop.Last is { Converged: true } last && last.Revision == head)
            {
                return true;
            }

            whileWaiting?.Invoke();
            await Task.Delay(5);
        }

        return false;
    }
}
