using System.Diagnostics;
using LiquidMetal.Reconciler.Kubernetes;
using LiquidMetal.Reconciler.Leadership;
using LiquidMetal.Reconciler.Tests.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace LiquidMetal.Reconciler.Tests.Leadership;

/// <summary>
/// Two replicas' <see cref="LeaseLeadership"/> (KubernetesClient's elector and LeaseLock, unchanged) against the
/// in-test API server's Leases. The elector reads the real clock and cannot run on a fake one, so these tests use short
/// real durations: a 3 s lease, a 1.5 s renew deadline, a 0.25 s retry period.
/// </summary>
public sealed class LeaseLeadershipTests : IAsyncLifetime
{
    private const string Namespace = "liquidmetal";
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan RetryPeriod = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly List<LeaseLeadership> _replicas = [];
    private FakeKubeApiServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeKubeApiServer.StartAsync(TestSecrets.Alpha.ClusterCa);

    public async Task DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.StopAsync(CancellationToken.None);
            replica.Dispose();
        }

        await _server.DisposeAsync();
    }

    [Fact]
    public async Task StartAsync_TwoReplicas_OneLeadsAndTheOtherFollowsIt_AgainstInTestApiServer()
    {
        var a = await StartAsync("replica-a");
        await a.WaitToLeadAsync(CancellationToken.None).WaitAsync(Patience);
        var b = await StartAsync("replica-b");

        await Eventually.TrueAsync(() => b.View == new LeadershipView(false, "replica-a"), "b follows a");
        Assert.Equal(new LeadershipView(true, "replica-a"), a.View);
        Assert.False(b.WaitToLeadAsync(CancellationToken.None).IsCompleted);
        Assert.Equal("replica-a", (string?)_server.Leases.Spec(Namespace, LeaseElectionOptions.DefaultLeaseName)!["holderIdentity"]);
        Assert.Equal(3, (int?)_server.Leases.Spec(Namespace, LeaseElectionOptions.DefaultLeaseName)!["leaseDurationSeconds"]);
        Assert.DoesNotContain(_server.Leases.Writes, write => write.User == "replica-b");
    }

    [Fact]
    public async Task LeaderCutOff_StopsLeadingThenTheOtherTakesOverOneLeaseDurationAfterItsLastRenewal_AgainstInTestApiServer()
    {
        var a = await StartAsync("replica-a");
        var term = await a.WaitToLeadAsync(CancellationToken.None).WaitAsync(Patience);
        var b = await StartAsync("replica-b");
        await Eventually.TrueAsync(() => b.View.Leader == "replica-a", "b follows a");
        var lost = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
        term.Lost.Register(() => lost.TrySetResult(DateTimeOffset.UtcNow));

        _server.Unreachable["replica-a"] = true;

        var taken = await b.WaitToLeadAsync(CancellationToken.None).WaitAsync(Patience);
        var takenAt = DateTimeOffset.UtcNow;
        var lastRenewal = _server.Leases.Writes.Last(write => write.User == "replica-a").At;
        var firstWriteOfB = _server.Leases.Writes.First(write => write.User == "replica-b").At;
        Assert.True(lost.Task.IsCompleted, "a still leads while b leads");
        Assert.True(await lost.Task < firstWriteOfB, "a stopped leading (renew deadline) before b took the lease");
        Assert.True(firstWriteOfB - lastRenewal >= LeaseDuration, $"b took over {(firstWriteOfB - lastRenewal).TotalSeconds:0.00} s after a's last renewal, before the lease ran out");

        // Within one lease duration of a's last renewal, give or take the follower's polling: its look that saw that
        // renewal, and the look after the lease ran out, each a retry period (with the elector's jitter) at most.
        var bound = LeaseDuration + 4 * RetryPeriod + TimeSpan.FromSeconds(1);
        Assert.True(takenAt - lastRenewal <= bound, $"b took over {(takenAt - lastRenewal).TotalSeconds:0.00} s after a's last renewal, more than {bound.TotalSeconds} s");
        Assert.Equal(1, taken.Number); // b's first term
        Assert.Equal("replica-b", (string?)_server.Leases.Spec(Namespace, LeaseElectionOptions.DefaultLeaseName)!["holderIdentity"]);
        Assert.False(a.View.Leading);

        _server.Unreachable.TryRemove("replica-a", out _);
        await Eventually.TrueAsync(() => a.View == new LeadershipView(false, "replica-b"), "a, back, follows b");
        Assert.True(b.View.Leading);
    }

    [Fact]
    public async Task StopAsync_Leader_ReleasesTheLeaseAndTheOtherTakesOverWellBeforeItWouldRunOut_AgainstInTestApiServer()
    {
        var a = await StartAsync("replica-a");
        await a.WaitToLeadAsync(CancellationToken.None).WaitAsync(Patience);
        var b = await StartAsync("replica-b");
        await Eventually.TrueAsync(() => b.View.Leader == "replica-a", "b follows a");

        var clock = Stopwatch.StartNew();
        await a.StopAsync(CancellationToken.None);
        await b.WaitToLeadAsync(CancellationToken.None).WaitAsync(Patience);

        Assert.True(clock.Elapsed < LeaseDuration, $"b took {clock.Elapsed.TotalSeconds:0.00} s to take a released lease");
        Assert.Contains(_server.Leases.Writes, write => write is { User: "replica-a", Holder: "" });
        Assert.Equal("replica-b", (string?)_server.Leases.Spec(Namespace, LeaseElectionOptions.DefaultLeaseName)!["holderIdentity"]);
        Assert.False(a.View.Leading);
    }

    private async Task<LeaseLeadership> StartAsync(string name)
    {
        var ca = TestSecrets.Alpha.ClusterCa;
        var (certificate, key) = ClientCertificates.Issue(ca, name, [Kubeconfig.AdminGroup], TestSecrets.Now, TimeSpan.FromDays(60));
        var client = ClusterClient.Create(_server.Endpoint, "alpha", ca.LoadCertificate(), certificate, key, TimeSpan.FromSeconds(2), out _);
        var replica = new LeaseLeadership(client, new LeaseElectionOptions
        {
            Namespace = Namespace,
            Identity = name,
            LeaseDuration = LeaseDuration,
            RenewDeadline = TimeSpan.FromSeconds(1.5),
            RetryPeriod = RetryPeriod,
        }, NullLogger.Instance);
        _replicas.Add(replica);
        await replica.StartAsync(CancellationToken.None);
        return replica;
    }
}
