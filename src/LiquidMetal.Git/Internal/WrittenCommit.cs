using LibGit2Sharp;

namespace LiquidMetal.Git.Internal;

/// <summary>
/// The commit a <see cref="CommitWriter"/> wrote last in a mirror, and the blobs its request's files were stored as:
/// the mirror holds each of them for as long as it holds that commit.
/// </summary>
internal sealed record WrittenCommit(string Commit, HashSet<ObjectId> Blobs);
