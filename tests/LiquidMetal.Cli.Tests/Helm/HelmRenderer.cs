using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace LiquidMetal.Cli.Tests.Helm;

/// <summary>
/// tests/helm-render, built once per test run with Debian's Go and sprig (its build.sh), run over helm/liquidmetal with
/// value files the tests write.
/// </summary>
internal sealed class HelmRenderer
{
    private static readonly Lazy<Task<HelmRenderer>> Built = new(BuildAsync);

    private readonly string _program;

    private HelmRenderer(string program) => _program = program;

    /// <summary>The chart's folder.</summary>
    public static string Chart { get; } = FromRoot("helm", "liquidmetal");

    /// <summary>Why the renderer cannot be built here, or null: go or Debian's sprig or yaml sources missing.</summary>
    public static string? Missing { get; } =
        !OnPath("go") ? "go is not installed (scripts/install-test-deps.sh installs golang-go)"
        : !Directory.Exists("/usr/share/gocode/src/github.com/Masterminds/sprig") ? "sprig is not installed (golang-github-masterminds-sprig-dev)"
        : !Directory.Exists("/usr/share/gocode/src/gopkg.in/yaml.v2") ? "yaml.v2 is not installed (golang-gopkg-yaml.v2-dev)"
        : null;

    public static Task<HelmRenderer> GetAsync() => Built.Value;

    /// <summary>Renders the manifests with the chart's values and each YAML text of <paramref name="values"/> over them.</summary>
    public Task<(int Exit, string Output, string Error)> RenderAsync(params string[] values) => RunAsync([], values);

    public Task<(int Exit, string Output, string Error)> NotesAsync(params string[] values) => RunAsync(["-notes"], values);

    /// <summary>The merged values as JSON: what helm checks against values.schema.json.</summary>
    public Task<(int Exit, string Output, string Error)> ValuesAsync(params string[] values) => RunAsync(["-print-values"], values);

    private async Task<(int, string, string)> RunAsync(string[] flags, string[] values)
    {
        var folder = Directory.CreateTempSubdirectory("helm-values-");
        try
        {
            List<string> arguments = ["-chart", Chart, "-name", "lm", "-namespace", "liquidmetal", .. flags];
            for (var i = 0; i < values.Length; i++)
            {
                var file = Path.Combine(folder.FullName, $"values-{i}.yaml");
                await File.WriteAllTextAsync(file, values[i]);
                arguments.AddRange(["-f", file]);
            }

            return await RunProcessAsync(_program, arguments, TimeSpan.FromSeconds(30));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task<HelmRenderer> BuildAsync()
    {
        var program = Path.Combine(Directory.CreateTempSubdirectory("helm-render-").FullName, "helm-render");
        var (exit, _, error) = await RunProcessAsync("bash", [FromRoot("tests", "helm-render", "build.sh"), program], TimeSpan.FromMinutes(5));
        Assert.True(exit == 0, $"tests/helm-render/build.sh exited {exit}: {error}");
        return new HelmRenderer(program);
    }

    private static async Task<(int, string, string)> RunProcessAsync(string program, IEnumerable<string> arguments, TimeSpan limit)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish within {limit.TotalSeconds} s");
        }

        return (process.ExitCode, await output, await error);
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Any(folder => File.Exists(Path.Combine(folder, program)));

    private static string FromRoot(string first, string second, string? third = null, [CallerFilePath] string source = "")
    {
        var root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "..", ".."));
        return third is null ? Path.Combine(root, first, second) : Path.Combine(root, first, second, third);
    }
}

/// <summary>A fact that renders the chart; skipped where the renderer cannot be built (no go, sprig or yaml.v2).</summary>
public sealed class HelmRenderFactAttribute : FactAttribute
{
    public HelmRenderFactAttribute()
    {
        if (HelmRenderer.Missing is { } missing)
        {
            Skip = "the chart cannot be rendered here: " + missing;
        }
    }
}
