using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Loading;

namespace LiquidMetal.Fleet.Tests.Loading;

/// <summary>Reading a fleet from disk: size limit, symlinks, empty and missing directories, files outside the layout.</summary>
public sealed class FleetDirectoryTests
{
    private const string TooBig = "file is 1,048,577 bytes; fleet files may be at most 1,048,576 bytes (1 MiB)";

    [Fact]
    public void Load_FileOverOneMebibyte_ErrorAndNotDecoded()
    {
        var files = FleetFiles.Example();
        // 0xFF everywhere: if the loader read past the size check it would report invalid UTF-8 too.
        files.SetBytes("clusters/cluster-b.yaml", Enumerable.Repeat((byte)0xFF, (int)FleetLoader.MaxFileBytes + 1).ToArray());

        var result = files.Load();

        LoadAssert.Single(result, SourceLocation.OfFile("clusters/cluster-b.yaml"), TooBig);
    }

    [Fact]
    public void Load_FileOfExactlyOneMebibyte_IsAccepted()
    {
        var files = FleetFiles.Example();
        var text = files["clusters/cluster-b.yaml"] + "# ";
        var padding = (int)FleetLoader.MaxFileBytes - System.Text.Encoding.UTF8.GetByteCount(text) - 1;
        files["clusters/cluster-b.yaml"] = text + new string('x', padding) + "\n";
        Assert.Equal(FleetLoader.MaxFileBytes, files.Bytes("clusters/cluster-b.yaml").LongLength);

        LoadAssert.Valid(files.Load());
    }

    [Fact]
    public void LoadDirectory_FileOverOneMebibyte_ErrorAndNotRead()
    {
        using var temp = new TempDirectory();
        FleetFiles.Example().WriteTo(temp.Path);
        // Zeros: had the file been read, the loader would also report a NUL byte.
        using (var stream = new FileStream(temp.Combine("clusters", "cluster-b.yaml"), FileMode.Truncate))
        {
            stream.SetLength(FleetLoader.MaxFileBytes + 1);
        }

        var result = FleetLoader.LoadDirectory(temp.Path);

        LoadAssert.Single(result, SourceLocation.OfFile("clusters/cluster-b.yaml"), TooBig);
    }

    [Fact]
    public void LoadDirectory_HostFileOverOneMebibyte_NoFollowOnSelectorErrors()
    {
        using var temp = new TempDirectory();
        FleetFiles.Example().WriteTo(temp.Path);
        using (var stream = new FileStream(temp.Combine("hosts", "sled-1.yaml"), FileMode.Truncate))
        {
            stream.SetLength(FleetLoader.MaxFileBytes + 1);
        }

        var result = FleetLoader.LoadDirectory(temp.Path);

        LoadAssert.Single(result, SourceLocation.OfFile("hosts/sled-1.yaml"), TooBig);
    }

    [Fact]
    public void LoadDirectory_SymlinkToEtcPasswd_ErrorSymlinkLeavesTheFleetDirectory()
    {
        using var temp = new TempDirectory();
        FleetFiles.Example().WriteTo(temp.Path);
        File.CreateSymbolicLink(temp.Combine("hosts", "evil.yaml"), "/etc/passwd");

        var result = FleetLoader.LoadDirectory(temp.Path);

        LoadAssert.Single(result, SourceLocation.OfFile("hosts/evil.yaml"), "symlink leaves the fleet directory (points to /etc/passwd)", "must live inside the repository");
    }

    [Fact]
    public void LoadDirectory_SymlinkToValidHostInSiblingDirectoryWithSamePrefix_Error()
    {
        // <temp>/fleet/hosts/sled-6.yaml -> <temp>/fleet2/sled-6.yaml: "fleet2" starts with "fleet", yet is outside.
        using var temp = new TempDirectory();
        var root = temp.Combine("fleet");
        FleetFiles.Example().WriteTo(root);
        Directory.CreateDirectory(temp.Combine("fleet2"));
        File.WriteAllText(temp.Combine("fleet2", "sled-6.yaml"), Sled6());
        File.CreateSymbolicLink(Path.Combine(root, "hosts", "sled-6.yaml"), temp.Combine("fleet2", "sled-6.yaml"));

        var result = FleetLoader.LoadDirectory(root);

        LoadAssert.Single(result, SourceLocation.OfFile("hosts/sled-6.yaml"), "symlink leaves the fleet directory");
    }

    [Fact]
    public void LoadDirectory_SymlinkedFolderOutside_Error()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("fleet");
        FleetFiles.Example().WriteTo(root);
        Directory.Move(Path.Combine(root, "clusters"), temp.Combine("clusters-elsewhere"));
        Directory.CreateSymbolicLink(Path.Combine(root, "clusters"), temp.Combine("clusters-elsewhere"));

        var result = FleetLoader.LoadDirectory(root);

        LoadAssert.Single(result, SourceLocation.OfFile("clusters"), "symlink leaves the fleet directory");
    }

    [Fact]
    public void LoadDirectory_SymlinkThroughSymlinkedDirectoryOutside_Error()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("fleet");
        FleetFiles.Example().WriteTo(root);
        Directory.CreateDirectory(temp.Combine("outside"));
        File.WriteAllText(temp.Combine("outside", "sled-6.yaml"), Sled6());
        Directory.CreateSymbolicLink(Path.Combine(root, "escape"), temp.Combine("outside"));
        File.CreateSymbolicLink(Path.Combine(root, "hosts", "sled-6.yaml"), "../escape/sled-6.yaml");

        var result = FleetLoader.LoadDirectory(root);

        LoadAssert.Single(result, SourceLocation.OfFile("hosts/sled-6.yaml"), "symlink leaves the fleet directory");
    }

    [Fact]
    public void LoadDirectory_SymlinkInsideTheFleetDirectory_IsFollowed()
    {
        using var temp = new TempDirectory();
        FleetFiles.Example().WriteTo(temp.Path);
        Directory.CreateDirectory(temp.Combine("shared"));
        File.WriteAllText(temp.Combine("shared", "sled-6.yaml"), Sled6());
        File.CreateSymbolicLink(temp.Combine("hosts", "sled-6.yaml"), "../shared/sled-6.yaml");

        var result = FleetLoader.LoadDirectory(temp.Path);

        LoadAssert.Valid(result);
        var sled6 = result.Fleet!.Hosts.Single(h => h.Name == "sled-6");
        Assert.Equal("hosts/sled-6.yaml", sled6.File);
        Assert.Equal(6, result.Fleet.Hosts.Length);
    }

    [Fact]
    public void LoadDirectory_BrokenSymlink_ErrorNamesTheTarget()
    {
        using var temp = new TempDirectory();
        FleetFiles.Example().WriteTo(temp.Path);
        File.CreateSymbolicLink(temp.Combine("hosts", "gone.yaml"), "../nowhere/gone.yaml");

        var result = FleetLoader.LoadDirectory(temp.Path);

        LoadAssert.Single(result, SourceLocation.OfFile("hosts/gone.yaml"), "broken symlink (points to ../nowhere/gone.yaml)");
    }

    [Fact]
    public void LoadDirectory_ManyFilesWithProblems_EveryProblemToldInPathOrder()
    {
        // Over 64 files: each file is checked and read on the thread pool, after the walk has listed them and met the
        // directories' own problems; what both found is told in the order of the paths all the same.
        using var temp = new TempDirectory();
        var root = temp.Combine("fleet");
        FleetFiles.Example().WriteTo(root);
        for (var i = 10; i < 90; i++)
        {
            File.WriteAllText(Path.Combine(root, "hosts", $"sled-{i}.yaml"), Sled6().Replace("sled-6", $"sled-{i}"));
        }

        using (var big = File.Create(Path.Combine(root, "hosts", "sled-20a.yaml")))
        {
            big.SetLength(FleetLoader.MaxFileBytes + 1);
        }

        File.CreateSymbolicLink(Path.Combine(root, "hosts", "sled-50a.yaml"), "../nowhere/gone.yaml");
        Directory.Move(Path.Combine(root, "clusters"), temp.Combine("clusters-elsewhere"));
        Directory.CreateSymbolicLink(Path.Combine(root, "clusters"), temp.Combine("clusters-elsewhere"));
        Directory.Move(Path.Combine(root, "networks"), temp.Combine("networks-elsewhere"));
        Directory.CreateSymbolicLink(Path.Combine(root, "networks"), temp.Combine("networks-elsewhere"));

        var result = FleetLoader.LoadDirectory(root);

        Assert.Null(result.Fleet);
        (string File, string Message)[] expected =
        [
            ("clusters", "symlink leaves the fleet directory"),
            ("hosts/sled-20a.yaml", "file is 1,048,577 bytes"),
            ("hosts/sled-50a.yaml", "broken symlink"),
            ("networks", "symlink leaves the fleet directory"),
        ];
        Assert.Equal(expected.Select(e => e.File), result.Diagnostics.Select(d => d.Location.File));
        Assert.All(expected.Zip(result.Diagnostics), pair => Assert.StartsWith(pair.First.Message, pair.Second.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void LoadDirectory_SymlinkLoop_ErrorNoException()
    {
        using var temp = new TempDirectory();
        FleetFiles.Example().WriteTo(temp.Path);
        File.CreateSymbolicLink(temp.Combine("hosts", "loop.yaml"), "loop.yaml");

        var result = FleetLoader.LoadDirectory(temp.Path);

        LoadAssert.Single(result, SourceLocation.OfFile("hosts/loop.yaml"), "broken symlink");
    }

    [Fact]
    public void LoadDirectory_EmptyDirectory_ErrorAboutMissingFleetYaml()
    {
        using var temp = new TempDirectory();

        var result = FleetLoader.LoadDirectory(temp.Path);

        LoadAssert.Single(result, SourceLocation.OfFile("fleet.yaml"), "the fleet is empty", "needs fleet.yaml (kind: Fleet)");
    }

    [Fact]
    public void LoadDirectory_NonexistentDirectory_ErrorNoException()
    {
        using var temp = new TempDirectory();
        var missing = temp.Combine("no-such-fleet");

        var result = FleetLoader.LoadDirectory(missing);

        LoadAssert.Has(result, SourceLocation.OfFile(missing), "no such directory", "fleet.yaml, hosts/ and clusters/");
    }

    [Fact]
    public void Load_HostsButNoFleetYaml_ErrorAboutMissingFleetYaml()
    {
        var files = FleetFiles.Example();
        files.Remove("fleet.yaml");

        LoadAssert.Single(files.Load(), SourceLocation.OfFile("fleet.yaml"), "no fleet.yaml", "kind: Fleet");
    }

    [Theory]
    [InlineData("cluster-c.yaml")]
    [InlineData("hosts/sub/sled-6.yaml")]
    [InlineData("clusters/old/cluster-c.yml")]
    public void Load_YamlOutsideTheLayout_Error(string path)
    {
        var files = FleetFiles.Example();
        files[path] = Sled6();

        LoadAssert.Single(files.Load(), SourceLocation.OfFile(path), "YAML file outside the fleet layout", "move or delete this file");
    }

    [Fact]
    public void LoadDirectory_YamlOutsideTheLayout_Error()
    {
        using var temp = new TempDirectory();
        var files = FleetFiles.Example();
        files["hosts/sub/sled-6.yaml"] = Sled6();
        files.WriteTo(temp.Path);

        LoadAssert.Single(FleetLoader.LoadDirectory(temp.Path), SourceLocation.OfFile("hosts/sub/sled-6.yaml"), "YAML file outside the fleet layout");
    }

    [Fact]
    public void LoadDirectory_HiddenDirectoriesAndNonYamlFiles_AreIgnored()
    {
        using var temp = new TempDirectory();
        var files = FleetFiles.Example();
        const string broken = "this: [is not: valid\n";
        files[".github/workflows/validate.yml"] = broken;
        files[".git/config.yaml"] = broken;
        files[".gitlab-ci.yml"] = broken;
        files["hosts/.draft.yaml"] = broken;
        files["README.md"] = "# fleet\n";
        files["hosts/README.md"] = "hosts\n";
        files["docs/notes.yaml"] = broken;
        files.WriteTo(temp.Path);

        var result = FleetLoader.LoadDirectory(temp.Path);

        LoadAssert.Valid(result);
        Assert.Equal(5, result.Fleet!.Hosts.Length);
    }

    [Fact]
    public void Load_NonYamlAndOtherFolders_AreIgnored()
    {
        var files = FleetFiles.Example();
        files["README.md"] = "# fleet\n";
        files["hosts/README.md"] = "hosts\n";
        files[".github/workflows/validate.yml"] = "this: [is not: valid\n";
        files["docs/notes.yaml"] = "this: [is not: valid\n";

        LoadAssert.Valid(files.Load());
    }

    [Fact]
    public void Load_HiddenYamlFiles_AreIgnoredLikeLoadDirectory()
    {
        var files = FleetFiles.Example();
        files[".gitlab-ci.yml"] = "stages: [validate]\n";
        files["hosts/.draft.yaml"] = "this: [is not: valid\n";

        LoadAssert.Valid(files.Load());
    }

    [Fact]
    public void Load_ClusterDocumentInHostsFolder_ErrorAtKindSaysMoveIt()
    {
        var files = FleetFiles.Example();
        files["hosts/cluster-b.yaml"] = files["clusters/cluster-b.yaml"];
        files.Remove("clusters/cluster-b.yaml");

        var result = files.Load();

        LoadAssert.Single(result, files.At("hosts/cluster-b.yaml", "kind: Cluster", 6),
            "kind 'Cluster' does not belong here", "files under hosts/ hold kind: Host", "move it to clusters/");
    }

    [Fact]
    public void Load_HostDocumentInClustersFolder_ErrorAtKindSaysMoveIt()
    {
        var files = FleetFiles.Example();
        files["clusters/sled-1.yaml"] = files["hosts/sled-1.yaml"];

        var result = files.Load();

        LoadAssert.Single(result, new SourceLocation("clusters/sled-1.yaml", 3, 7), "kind 'Host' does not belong here", "move it to hosts/");
    }

    internal static string Sled6() => """
        apiVersion: liquidmetal.dev/v1alpha1
        kind: Host
        metadata:
          name: sled-6
          labels:
            liquidmetal.dev/site: openedge-lab
        spec:
          agent:
            endpoint: https://sled-6.openedge-lab.example:7443
          failureDomain: sled-6
          capacity:
            cpu: 16
            memoryMiB: 65536
          roles: [microvm]

        """;
}
