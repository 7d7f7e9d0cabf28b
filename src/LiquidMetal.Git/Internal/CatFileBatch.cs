using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace LiquidMetal.Git.Internal;

/// <summary>
/// One long-lived <c>git cat-file --batch</c> per repository: reading a thousand files costs a
/// thousand pipe round trips, not a thousand process starts. Calls are serialized.
/// </summary>
internal sealed class CatFileBatch : IAsyncDisposable
{
    private readonly GitCli _git;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Process? _process;
    private BufferedStream? _output;

    public CatFileBatch(GitCli git) => _git = git;

    /// <summary>The object's type and content, or null when the repository has no such object.</summary>
    public async Task<GitObject?> ReadAsync(string objectName, CancellationToken cancellationToken = default) =>
        (await ReadManyAsync([objectName], cancellationToken))[0];

    /// <summary>
    /// Several objects in one exchange: every name is sent while the answers are read, so a thousand objects cost one
    /// pipelined stream instead of a thousand round trips. Answers come back in the order asked; null for a missing one.
    /// </summary>
    public async Task<GitObject?[]> ReadManyAsync(IReadOnlyList<string> objectNames, CancellationToken cancellationToken = default)
    {
        if (objectNames.FirstOrDefault(n => n.Contains('\n', StringComparison.Ordinal)) is { } bad)
        {
            throw new ArgumentException($"an object name cannot contain a newline: '{bad}'", nameof(objectNames));
        }

        await _gate.WaitAsync(cancellationToken);
        Task? requests = null;
        try
        {
            try
            {
                if (_process is null || _process.HasExited)
                {
                    Stop();
                    _process = _git.Start(["cat-file", "--batch"]);
                    _output = new BufferedStream(_process.StandardOutput.BaseStream, 1 << 16);
                }

                // Written alongside the reads, not before them: git stops reading names while its output pipe is full.
                requests = WriteNamesAsync(_process.StandardInput.BaseStream, objectNames, cancellationToken);
                var objects = new GitObject?[objectNames.Count];
                for (var i = 0; i < objects.Length; i++)
                {
                    objects[i] = await ReadAnswerAsync(cancellationToken);
                }

                await requests;
                return objects;
            }
            catch (Exception e) when (e is IOException or GitException or OperationCanceledException)
            {
                // The pipe is now in an unknown position, and git may be stuck writing an answer nobody reads: end it now;
                // the next call starts a fresh process.
                Stop(kill: true);
                if (requests is not null)
                {
                    await requests.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing); // it fails with the pipe; the read's error is the one to report
                }

                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async Task WriteNamesAsync(Stream input, IReadOnlyList<string> objectNames, CancellationToken cancellationToken)
    {
        await input.WriteAsync(Encoding.UTF8.GetBytes(string.Concat(objectNames.Select(n => n + "\n"))), cancellationToken);
        await input.FlushAsync(cancellationToken);
    }

    private async Task<GitObject?> ReadAnswerAsync(CancellationToken cancellationToken)
    {
        var header = await ReadLineAsync(_output!, cancellationToken);
        if (header.EndsWith(" missing", StringComparison.Ordinal) || header.EndsWith(" ambiguous", StringComparison.Ordinal))
        {
            return null;
        }

        // "<sha> <type> <size>"
        var parts = header.Split(' ');
        if (parts.Length != 3 || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            throw new GitException($"git cat-file --batch answered an unexpected header: '{header}'");
        }

        var content = new byte[size];
        await _output!.ReadExactlyAsync(content, cancellationToken);
        if (_output.ReadByte() != '\n')
        {
            throw new GitException("git cat-file --batch: object not followed by a newline");
        }

        return new GitObject(parts[0], parts[1], content);
    }

    private static async Task<string> ReadLineAsync(Stream stream, CancellationToken cancellationToken)
    {
        var line = new List<byte>(64);
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                throw new GitException("git cat-file --batch exited unexpectedly");
            }

            if (one[0] == '\n')
            {
                return Encoding.UTF8.GetString(line.ToArray());
            }

            line.Add(one[0]);
        }
    }

    private void Stop(bool kill = false)
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            if (kill)
            {
                _process.Kill();
            }

            _process.StandardInput.Close();
            if (!_process.WaitForExit(1000))
            {
                _process.Kill();
            }
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            // Already gone, or its stdin broke as it went.
        }

        _process.Dispose();
        _process = null;
        _output = null;
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }
}
