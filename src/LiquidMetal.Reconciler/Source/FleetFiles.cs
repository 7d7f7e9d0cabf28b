using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Loading;

namespace LiquidMetal.Reconciler.Source;

/// <summary>The fleet's files at one revision, and the files refused before reading (too big, symlinks, submodules).</summary>
public sealed record FleetFiles(string Revision, IReadOnlyList<FleetFile> Files, IReadOnlyList<Diagnostic> Refused);
