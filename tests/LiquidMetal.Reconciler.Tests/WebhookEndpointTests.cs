using System.Net;
using System.Text;
using LiquidMetal.Reconciler.Hosting;
using LiquidMetal.Reconciler.Webhook;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace LiquidMetal.Reconciler.Tests;

public sealed class WebhookEndpointTests : IAsyncLifetime
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("webhook-secret");
    private readonly ReconcileTrigger _trigger = new();
    private WebApplication? _app;
    private HttpClient _client = new();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapFleetWebhook(new WebhookOptions { Secret = Secret, Branch = "main", MaxBodyBytes = 64 * 1024 }, _trigger);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _client = new HttpClient { BaseAddress = new Uri(address) };
    }

    [Fact]
    public async Task Post_SignedPushToFleetBranch_TriggersReconcile()
    {
        var response = await Post("""{"ref":"refs/heads/main","after":"abc"}""", sign: true);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(["webhook"], await _trigger.WaitAsync(new CancellationTokenSource(1000).Token));
    }

    [Fact]
    public async Task Post_BadSignature_Returns401AndTriggersNothing()
    {
        var body = """{"ref":"refs/heads/main"}""";
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhook") { Content = new StringContent(body) };
        request.Headers.Add("X-Hub-Signature-256", WebhookSignature.Sign(Encoding.UTF8.GetBytes("wrong secret"), Encoding.UTF8.GetBytes(body)));

        var wrong = await _client.SendAsync(request);
        var missing = await Post(body, sign: false);

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        await AssertNotTriggered();
    }

    [Fact]
    public async Task Post_HugeBody_Returns413WithoutReadingIt()
    {
        var response = await Post(new string('x', 200 * 1024), sign: true);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertNotTriggered();
    }

    [Fact]
    public async Task Post_PushToOtherBranch_IsAcceptedButIgnored()
    {
        var response = await Post("""{"ref":"refs/heads/feature"}""", sign: true);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Contains("ignored", await response.Content.ReadAsStringAsync());
        await AssertNotTriggered();
    }

    private async Task<HttpResponseMessage> Post(string body, bool sign)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhook") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-GitHub-Event", "push");
        if (sign)
        {
            request.Headers.Add("X-Hub-Signature-256", WebhookSignature.Sign(Secret, Encoding.UTF8.GetBytes(body)));
        }

        return await _client.SendAsync(request);
    }

    /// <summary>The endpoint requests a reconcile before it answers, so once the answer is here a request would be too.</summary>
    private async Task AssertNotTriggered()
    {
        using var stop = new CancellationTokenSource();
        var wait = _trigger.WaitAsync(stop.Token);
        Assert.False(wait.IsCompleted, "the webhook requested a reconcile");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app!.DisposeAsync();
    }
}
