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

    [Fact]
    public void Parse_RepoGiven_NoError()
    {
        Assert.Empty(ReconcileCommand.Create().Parse(["--repo", "https://git.example/fleet.git"]).Errors);
    }
}
