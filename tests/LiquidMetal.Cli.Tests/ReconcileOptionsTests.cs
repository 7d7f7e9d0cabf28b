using LiquidMetal.Cli.Commands;

namespace LiquidMetal.Cli.Tests;

/// <summary>How <c>reconcile</c> reads its options, before anything runs.</summary>
public sealed class ReconcileOptionsTests
{
    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void Parse_EmptyRepo_ErrorNamesTheOption(string repo)
    {
        // What a unit passes when its configuration leaves LIQUIDMETAL_REPO empty: `--repo ${LIQUIDMETAL_REPO}`.
        var parse = ReconcileCommand.Create().Parse(["--repo", repo]);

        Assert.Equal("--repo is empty: give the fleet repo's URL or path", Assert.Single(parse.Errors).Message);
    }

    [Theory]
    [InlineData(null, 30.0)]
    [InlineData("0.4", 0.4)]
    [InlineData("0", 0.0)]
    [InlineData("86400", 86400.0)]
    public void Parse_ControlPlaneSettle_SecondsWithFractions(string? given, double seconds)
    {
        var parse = ReconcileCommand.Create().Parse(given is null ? ["--repo", "fleet"] : ["--repo", "fleet", "--control-plane-settle", given]);

        Assert.Empty(parse.Errors);
        Assert.Equal(seconds, parse.GetValue<double>("--control-plane-settle"));
    }

    [Theory]
    [InlineData("-1", "--control-plane-settle -1: a settle time cannot be negative")]
    [InlineData("NaN", "--control-plane-settle NaN: a settle time must be a finite number of seconds")]
    [InlineData("86401", "--control-plane-settle 86401: a settle time of more than a day holds a rollout for days")]
    public void Parse_ControlPlaneSettleOutOfRange_ErrorSaysWhatIsWrongAndWhatWouldBeRight(string given, string wrong)
    {
        var parse = ReconcileCommand.Create().Parse(["--repo", "fleet", "--control-plane-settle", given]);

        Assert.Equal(wrong + "; give seconds from 0 to 86400 (a day), e.g. 30 (the default) or 0.5", Assert.Single(parse.Errors).Message);
    }

    [Fact]
    public void Parse_RepoGiven_NoError()
    {
        Assert.Empty(ReconcileCommand.Create().Parse(["--repo", "https://git.example/fleet.git"]).Errors);
    }
}
