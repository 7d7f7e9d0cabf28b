using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using LiquidMetal.Bench.Micro;

// liquidmetal-bench-micro [BenchmarkDotNet options, e.g. --filter '*Status*']
// A short job by default (1 launch, 3 warm-ups, 3 iterations): enough to compare on a 2-core machine in a few
// minutes. In process, so no project is generated and rebuilt per benchmark (the repo builds into artifacts/).
var job = Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance);
var config = DefaultConfig.Instance
    .AddJob(job)
    .WithArtifactsPath(Path.Combine("artifacts", "bench-micro"))
    .WithOptions(ConfigOptions.JoinSummary);
// Every benchmark unless a filter picks some (without one, BenchmarkDotNet would ask on the console).
string[] options = args.Any(a => a is "--filter" or "-f") ? args : ["--filter", "*", .. args];
var summaries = BenchmarkSwitcher.FromTypes([typeof(FleetCoreBenchmarks), typeof(StatusBenchmarks)]).Run(options, config);
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
