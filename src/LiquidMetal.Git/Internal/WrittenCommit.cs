using LibGit2Sharp;

namespace LiquidMetal.Git.Internal;

/// <summary>
/// The commit a <see cref="CommitWriter"/> wrote last in a mirror, and the blob it wrote each of the request's files
/// as: a blob the next commit on top of it names at the same path is in the mirror, since that commit is.
/// </summary>
internal sealed record WrittenCommit(string Commit, Dictionary<string, ObjectId> Files);
