using System.Globalization;
using System.Text;

namespace LiquidMetal.Agent.Processes;

/// <summary>Reads process identity from /proc: start time and command line, which together survive pid reuse.</summary>
internal static class ProcFs
{
    /// <summary>Field 22 of /proc/&lt;pid&gt;/stat (clock ticks after boot); null when the process is gone.</summary>
    public static ulong? StartTime(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
        var afterName = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        const int StartTimeIndex = 22 - 3;
        return afterName.Length > StartTimeIndex && afterName[0] != "Z"
            && ulong.TryParse(afterName[StartTimeIndex], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            ? start
            : null;
    }

    /// <summary>The arguments joined by spaces; empty for a zombie or a process that is gone.</summary>
    public static string CommandLine(int pid) => string.Join(' ', Arguments(pid));

    /// <summary>The process's argv; empty for a zombie or a process that is gone.</summary>
    public static string[] Arguments(int pid)
    {
        try
        {
            var bytes = File.ReadAllBytes($"/proc/{pid}/cmdline");
            return Encoding.UTF8.GetString(bytes).Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>
    /// True when <paramref name="pid"/> is still the process that started at <paramref name="startTime"/>,
    /// runs <paramref name="program"/> and has every marker in its command line.
    /// </summary>
    public static bool IsSame(int pid, ulong startTime, string program, IReadOnlyCollection<string> markers) =>
        pid > 0 && StartTime(pid) == startTime && Matches(Arguments(pid), program, markers);

    /// <summary>
    /// Live processes running <paramref name="program"/> with every marker in their command line:
    /// the way to find a VMM whose pid was never saved. The program check keeps a
    /// <c>tail -f</c> of a VM's console log from passing for its VMM.
    /// </summary>
    public static IReadOnlyList<(int Pid, ulong StartTime)> FindVmm(string program, IReadOnlyCollection<string> markers) =>
        Find(arguments => Matches(arguments, program, markers));

    /// <summary>Live processes of any program whose command line holds every marker (used to clean up after tests).</summary>
    public static IReadOnlyList<(int Pid, ulong StartTime)> FindByMarkers(IReadOnlyCollection<string> markers) =>
        Find(arguments => arguments.Length > 0 && markers.All(m => string.Join(' ', arguments).Contains(m, StringComparison.Ordinal)));

    private static bool Matches(string[] arguments, string program, IReadOnlyCollection<string> markers)
    {
        if (arguments.Length == 0 || !string.Equals(Path.GetFileName(arguments[0]), program, StringComparison.Ordinal))
        {
            return false;
        }

        var commandLine = string.Join(' ', arguments);
        return markers.All(m => commandLine.Contains(m, StringComparison.Ordinal));
    }

    private static List<(int Pid, ulong StartTime)> Find(Func<string[], bool> predicate)
    {
        var found = new List<(int Pid, ulong StartTime)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            if (predicate(Arguments(pid)) && StartTime(pid) is { } start)
            {
                found.Add((pid, start));
            }
        }

        return found;
    }
}
