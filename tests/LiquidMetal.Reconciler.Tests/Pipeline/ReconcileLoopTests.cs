using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using LiquidMetal.Reconciler.Hosting;
using LiquidMetal.Reconciler.Pass;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>The reconciler as a service: a signed push webhook reconciles at once; health and readiness endpoints.</summary>
public sealed class ReconcileLoopTests
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("webhook-secret");

    [Fact]
    public async Task Webhook_SignedPush_ReconcilesAtOnce_BadSignatureTriggersNothing()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        var converged = new TaskCompletionSource<ReconcileResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var loop = await ReconcilerHost.StartAsync(reconciler, "main", new ReconcileLoopOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            WebhookSecret = Secret,
            PollInterval = TimeSpan.FromHours(1), // only the webhook (and the start) can trigger within this test
            ResyncInterval = TimeSpan.FromHours(1),
            ConvergingRecheck = TimeSpan.FromMilliseconds(100),
        });
        using var http = new HttpClient { BaseAddress = loop.Address };

        Assert.Equal("ok\n", await http.GetStringAsync("/healthz"));
        await WaitForAsync(() => loop.Last?.Converged == true, TimeSpan.FromSeconds(20));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);

        var head = fleet.Push("clusters/cluster-b.yaml", text => text.Replace("replicas: 3  # demo: workers", "replicas: 4  # demo: workers", StringComparison.Ordinal), "scale");
        var body = Encoding.UTF8.GetBytes("{\"ref\":\"refs/heads/main\",\"after\":\"" + head + "\"}");

        var forged = await PostAsync(http, body, Encoding.UTF8.GetBytes("not the secret"));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        await Task.Delay(300);
        Assert.NotEqual(head, loop.Last?.Revision);

        var clock = Stopwatch.StartNew();
        var accepted = await PostAsync(http, body, Secret);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await WaitForAsync(() => loop.Last?.Revision == head && loop.Last.Converged, TimeSpan.FromSeconds(20));
        Assert.Equal(13, fleet.RunningVms);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"webhook to converged took {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task Loop_ConvergingFleet_IsWokenByTheAgentsNotByATimer()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        // No timer can fire within the test: after the start pass applies, only an agent's Watch can bring the next.
        await using var loop = await ReconcilerHost.StartAsync(reconciler, "main", new ReconcileLoopOptions
        {
            PollInterval = TimeSpan.FromHours(1),
            ResyncInterval = TimeSpan.FromHours(1),
            ConvergingRecheck = TimeSpan.FromHours(1),
        });

        // The start pass applies and leaves the VMs booting (its status records them Creating), so it cannot converge.
        await WaitForAsync(() => loop.Last?.Converged == true, TimeSpan.FromSeconds(20));
        Assert.Equal(12, fleet.RunningVms);
    }

    [Fact]
    public async Task Readyz_RejectedHead_StaysReadyAndSaysRejected()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);
        await using var loop = await ReconcilerHost.StartAsync(reconciler, "main", new ReconcileLoopOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            WebhookSecret = Secret,
            PollInterval = TimeSpan.FromHours(1),
            ResyncInterval = TimeSpan.FromHours(1),
        });
        using var http = new HttpClient { BaseAddress = loop.Address };
        await WaitForAsync(() => loop.Last?.Converged == true, TimeSpan.FromSeconds(20));

        var head = fleet.Push("clusters/cluster-b.yaml", text => text.Replace("replicas: 3  # demo: workers", "replicas: lots", StringComparison.Ordinal), "broken");
        await PostAsync(http, Encoding.UTF8.GetBytes("{\"ref\":\"refs/heads/main\",\"after\":\"" + head + "\"}"), Secret);
        await WaitForAsync(() => loop.Last?.Revision == head, TimeSpan.FromSeconds(20));
        var ready = await http.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains($"revision {head} rejected", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Loop_EveryAgentDown_DoesNotSpin()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        foreach (var (_, server) in fleet.Agents.Values)
        {
            await server.DisposeAsync();
        }

        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options with { AgentCallTimeout = TimeSpan.FromSeconds(1) });
        var passes = 0;
        await using var loop = await ReconcilerHost.StartAsync(reconciler, "main", new ReconcileLoopOptions
        {
            PollInterval = TimeSpan.FromHours(1),
            ResyncInterval = TimeSpan.FromHours(1),
            ConvergingRecheck = TimeSpan.FromHours(1),
        });
        loop.Reconciled += _ => Interlocked.Increment(ref passes);

        // Nothing can be watched and every timer is an hour away: after the start pass, the loop must wait.
        await WaitForAsync(() => loop.Last is not null, TimeSpan.FromSeconds(20));
        await Task.Delay(TimeSpan.FromSeconds(2));

        Assert.False(loop.Last!.Converged);
        Assert.True(passes <= 1, $"{passes} passes with every agent down and no timer due");
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
