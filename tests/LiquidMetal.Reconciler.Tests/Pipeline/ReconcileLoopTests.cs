using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using LiquidMetal.Reconciler.Hosting;
using LiquidMetal.Reconciler.Pass;
using LiquidMetal.Reconciler.Tests.Fakes;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>
/// The reconciler as a service over real HTTP, git and gRPC: the agents' Watch streams wake it, a signed push webhook
/// reconciles at once, and /healthz and /readyz tell the truth. (What wakes the loop and when is pinned on a fake
/// clock in Hosting/ReconcilerWorkerTests; the webhook's refusals in WebhookEndpointTests.)
/// </summary>
public sealed class ReconcileLoopTests
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("webhook-secret");

    [Fact]
    public async Task Loop_OverHttp_WokenByTheAgentsAndByASignedWebhookAndReadyzSaysHowTheLastPassEnded()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        var log = new CapturingLogger();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options with { Logger = log });

        // No timer can fire within the test: after the start, only the agents' Watch streams and webhooks bring a pass.
        await using var loop = await ReconcilerHost.StartAsync(reconciler, "main", new ReconcileLoopOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            WebhookSecret = Secret,
            PollInterval = TimeSpan.FromHours(1),
            ResyncInterval = TimeSpan.FromHours(1),
            ConvergingRecheck = TimeSpan.FromHours(1),
        });
        using var http = new HttpClient { BaseAddress = loop.Address };

        Assert.Equal("ok\n", await http.GetStringAsync("/healthz"));

        // The start pass applies and leaves the VMs booting: what brings the pass that sees them Running is an agent's
        // Watch.
        await WaitForAsync(() => loop.Last?.Converged == true, TimeSpan.FromSeconds(20));
        Assert.Equal(12, fleet.RunningVms);
        Assert.Contains(log.Of(512), e => (string?)e.Fields["From"] == "absent" && (string?)e.Fields["To"] != "Running"); // so the start pass did not converge
        Assert.Equal(12, log.Of(512).Count(e => (string?)e.Fields["To"] == "Running"));
        var ready = await http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal($"ready: revision {fleet.Head}, converged\n", await ready.Content.ReadAsStringAsync());

        var head = fleet.Push("clusters/cluster-b.yaml", text => text.Replace("replicas: 3  # demo: workers", "replicas: 4  # demo: workers", StringComparison.Ordinal), "scale");
        var body = Encoding.UTF8.GetBytes("{\"ref\":\"refs/heads/main\",\"after\":\"" + head + "\"}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(http, body, Encoding.UTF8.GetBytes("not the secret"))).StatusCode);

        var clock = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(http, body, Secret)).StatusCode);
        await WaitForAsync(() => loop.Last?.Revision == head && loop.Last.Converged, TimeSpan.FromSeconds(20));
        Assert.Equal(13, fleet.RunningVms);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"webhook to converged took {clock.Elapsed.TotalSeconds:0.0} s");

        // A broken head is a finished pass: what ran keeps running, and the reconciler stays ready.
        var broken = fleet.Push("clusters/cluster-b.yaml", text => text.Replace("replicas: 4  # demo: workers", "replicas: lots", StringComparison.Ordinal), "broken");
        await PostAsync(http, Encoding.UTF8.GetBytes("{\"ref\":\"refs/heads/main\",\"after\":\"" + broken + "\"}"), Secret);
        await WaitForAsync(() => loop.Last?.Revision == broken, TimeSpan.FromSeconds(20));
        ready = await http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains($"revision {broken} rejected", await ready.Content.ReadAsStringAsync());
        Assert.Equal(13, fleet.RunningVms);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, byte[] body, byte[] secret)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhook") { Content = new ByteArrayContent(body) };
        request.Headers.Add("X-GitHub-Event", "push");
        request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(secret, body)));
        return http.SendAsync(request);
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < timeout, $"not reached within {timeout.TotalSeconds} s");
            await Task.Delay(20);
        }
    }
}
