using System.Diagnostics;
using System.Text;
using System.Text.Json;
using LiquidMetal.Reconciler.Status.Pages;
using LiquidMetal.Reconciler.Tests.Kubernetes;

namespace LiquidMetal.Reconciler.Tests.Status;

/// <summary>
/// The status README as a Git web UI shows it: Markdown made HTML by cmark-gfm (GitHub's own renderer), the capacity
/// map beside it at its relative path, and the page opened by headless Chromium. A script in the page records what the
/// browser made of it (tables, the map as an image, every host's box in the map) for the test to read in the DOM.
/// </summary>
public sealed class StatusPageInChromiumTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lm-status-page-").FullName;

    [ChromiumFact]
    public async Task ReadmeWithMap_InHeadlessChromium_TablesRenderAndTheMapShowsEveryHost()
    {
        var compiled = ExampleStatus.Compile();
        var commit = ExampleStatus.Compose(compiled);
        File.WriteAllBytes(Path.Combine(_folder, "README.md"), commit.Files[StatusReadme.Path]);
        Directory.CreateDirectory(Path.Combine(_folder, "status"));
        File.WriteAllBytes(Path.Combine(_folder, CapacityMap.Path), commit.Files[CapacityMap.Path]);
        var html = await RunAsync("cmark-gfm", "--extension", "table", "--extension", "autolink", "--extension", "strikethrough", Path.Combine(_folder, "README.md"));

        // The map twice: as the README's <img> (is it found and drawn at its size?) and inline (where are its hosts?).
        File.WriteAllText(Path.Combine(_folder, "page.html"), $$"""
            <!doctype html>
            <html><head><meta charset="utf-8"><title>status</title></head>
            <body>
            <article id="readme">{{html}}</article>
            <div id="inline">{{Encoding.UTF8.GetString(commit.Files[CapacityMap.Path])}}</div>
            <script>
            window.addEventListener('load', () => {
              const img = document.querySelector('#readme img');
              const svg = document.querySelector('#inline svg');
              const view = svg.viewBox.baseVal;
              const hosts = [...svg.querySelectorAll('g.host')].map(g => {
                const box = g.getBBox();
                return { name: g.dataset.host, text: [...g.querySelectorAll('text')].map(t => t.textContent),
                         inside: box.width > 0 && box.height > 0 && box.x >= 0 && box.y >= 0 && box.x + box.width <= view.width && box.y + box.height <= view.height };
              });
              const result = document.createElement('pre');
              result.id = 'result';
              result.textContent = JSON.stringify({
                heading: document.querySelector('#readme h1')?.textContent,
                tables: document.querySelectorAll('#readme table').length,
                rows: document.querySelectorAll('#readme tbody tr').length,
                image: img ? { src: img.getAttribute('src'), complete: img.complete, width: img.naturalWidth, height: img.naturalHeight } : null,
                hosts,
              });
              document.body.appendChild(result);
            });
            </script>
            </body></html>
            """);
        var clock = Stopwatch.StartNew();

        var dom = await RunAsync(
            "chromium", "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-extensions", "--user-data-dir=" + Path.Combine(_folder, "profile"),
            "--allow-file-access-from-files", "--virtual-time-budget=3000", "--dump-dom", new Uri(Path.Combine(_folder, "page.html")).AbsoluteUri);

        var start = dom.IndexOf("<pre id=\"result\">", StringComparison.Ordinal);
        Assert.True(start >= 0, $"the page's script wrote no result in {clock.ElapsedMilliseconds} ms; page in {_folder}:\n{dom[..Math.Min(dom.Length, 2000)]}");
        var json = System.Net.WebUtility.HtmlDecode(dom[(start + 17)..dom.IndexOf("</pre>", start, StringComparison.Ordinal)]);
        using var result = JsonDocument.Parse(json);
        var root = result.RootElement;
        Assert.Equal("Fleet openedge-lab: Stalled", root.GetProperty("heading").GetString());
        Assert.Equal(5, root.GetProperty("tables").GetInt32()); // revisions, clusters, hosts, hosts that did not answer, nodes
        Assert.Equal(3 + 2 + 5 + 1 + 1, root.GetProperty("rows").GetInt32());
        var image = root.GetProperty("image");
        Assert.Equal(CapacityMap.Path, image.GetProperty("src").GetString());
        Assert.True(image.GetProperty("complete").GetBoolean());
        Assert.Equal(880, image.GetProperty("width").GetInt32()); // a broken image has no natural size
        Assert.True(image.GetProperty("height").GetInt32() > 300);
        var hosts = root.GetProperty("hosts").EnumerateArray().ToList();
        Assert.Equal(compiled.Hosts.Select(h => h.Host), hosts.Select(h => h.GetProperty("name").GetString()));
        Assert.All(hosts, h =>
        {
            Assert.True(h.GetProperty("inside").GetBoolean(), $"{h.GetProperty("name")} is drawn outside the map");
            Assert.Equal(h.GetProperty("name").GetString(), h.GetProperty("text")[0].GetString()!.Split(' ')[0]);
        });
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static async Task<string> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish in 60 s");
        }

        Assert.True(process.ExitCode == 0, $"{program} exited {process.ExitCode}: {await stderr}");
        return await stdout;
    }
}

/// <summary>A test that needs headless Chromium and cmark-gfm; skipped, saying so, where either is missing.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (!Tools.OnPath("chromium") || !Tools.OnPath("cmark-gfm"))
        {
            Skip = "chromium or cmark-gfm is not installed (scripts/install-test-deps.sh installs both): the status page is then not checked in a browser";
        }
    }
}
