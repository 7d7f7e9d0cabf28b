using System.Text.RegularExpressions;

namespace LiquidMetal.Agent.Core.Validation;

/// <summary>Checks a desired state before the agent acts on any of it: all or nothing.</summary>
internal sealed partial class DesiredStateValidator
{
    private const int MaxUserDataBytes = 1024 * 1024;

    private readonly IReadOnlyList<string> _imageDirectories;
    private readonly long _memoryCapacityMiB;

    /// <param name="imageDirectories">Absolute folders kernels, initrds and root volumes may come from.</param>
    /// <param name="memoryCapacityMiB">Memory the VMs may take together: memory is never overcommitted.</param>
    public DesiredStateValidator(IEnumerable<string> imageDirectories, long memoryCapacityMiB)
    {
        _imageDirectories = imageDirectories
            .Select(d => Path.TrimEndingDirectorySeparator(Path.GetFullPath(d)) + Path.DirectorySeparatorChar)
            .ToArray();
        _memoryCapacityMiB = memoryCapacityMiB;
    }

    public IReadOnlyList<string> Validate(HostDesiredState desired, long appliedGeneration)
    {
        var errors = new List<string>();
        if (desired.Generation < appliedGeneration)
        {
            errors.Add($"generation {desired.Generation} is older than the applied generation {appliedGeneration}; send the newest desired state");
        }

        var vms = desired.Vms.IsDefault ? [] : desired.Vms;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (vm, index) in vms.Select((vm, i) => (vm, i)))
        {
            var where = string.IsNullOrEmpty(vm.Id) ? $"vms[{index}]" : $"vm {vm.Id}";
            ValidateVm(vm, where, errors);
            if (!string.IsNullOrEmpty(vm.Id) && !seen.Add(vm.Id))
            {
                errors.Add($"{where}: duplicate id; every VM on a host needs its own id");
            }
        }

        // Tap names come from VM ids by hash: two VMs must never be given the same device.
        foreach (var tap in vms.SelectMany(vm => vm.Nics.Select(nic => (vm.Id, nic.Tap))).GroupBy(t => t.Tap, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            errors.Add($"tap {tap.Key} is given to more than one NIC ({string.Join(", ", tap.Select(t => t.Id))}); every NIC needs its own host device");
        }

        var memory = vms.Sum(vm => Math.Max(0, vm.MemoryMiB));
        if (memory > _memoryCapacityMiB)
        {
            errors.Add($"the VMs need {memory} MiB of memory together but the host offers {_memoryCapacityMiB} MiB; memory is never overcommitted");
        }

        if (desired.Metal is { } metal)
        {
            if (vms.Length > 0)
            {
                errors.Add($"metal: a host claimed as metal node {metal.Node} runs no microVMs, but {vms.Length} are listed");
            }

            if (string.IsNullOrWhiteSpace(metal.Node) || string.IsNullOrWhiteSpace(metal.Cluster) || string.IsNullOrWhiteSpace(metal.Hash))
            {
                errors.Add("metal: node, cluster and hash are required");
            }
        }

        return errors;
    }

    private void ValidateVm(VmSpec vm, string where, List<string> errors)
    {
        if (string.IsNullOrEmpty(vm.Id) || vm.Id.Length > 63 || !DnsLabel().IsMatch(vm.Id))
        {
            errors.Add($"{where}: id \"{vm.Id}\" must be a DNS label (lowercase letters, digits and '-', at most 63 characters)");
        }

        if (vm.Vcpu <= 0 || vm.Vcpu > 255)
        {
            errors.Add($"{where}: vcpu is {vm.Vcpu}; it must be between 1 and 255");
        }

        if (vm.MemoryMiB <= 0)
        {
            errors.Add($"{where}: memoryMiB is {vm.MemoryMiB}; it must be positive");
        }

        CheckImage(vm.Kernel, "kernel", where, required: true, errors);
        CheckImage(vm.Initrd, "initrd", where, required: false, errors);
        CheckImage(vm.RootVolume, "rootVolume", where, required: false, errors);

        if (System.Text.Encoding.UTF8.GetByteCount(vm.UserData) > MaxUserDataBytes)
        {
            errors.Add($"{where}: userData is larger than {MaxUserDataBytes} bytes");
        }

        if (vm.KernelArgs.Contains('\n', StringComparison.Ordinal) || vm.KernelArgs.Contains("liquidmetal.", StringComparison.Ordinal))
        {
            errors.Add($"{where}: kernelArgs must be one line and must not set the agent's own liquidmetal.* arguments");
        }

        NicValidator.Validate(vm, where, errors);

        if (vm.Metadata.Keys.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add($"{where}: metadata keys must not be empty");
        }
    }

    private void CheckImage(string? path, string field, string where, bool required, List<string> errors)
    {
        if (string.IsNullOrEmpty(path))
        {
            if (required)
            {
                errors.Add($"{where}: {field} is required");
            }

            return;
        }

        if (!Path.IsPathFullyQualified(path))
        {
            errors.Add($"{where}: {field} \"{path}\" must be an absolute path");
            return;
        }

        // GetFullPath folds "..", so a path cannot climb out of an image folder.
        var full = Path.GetFullPath(path);
        if (!_imageDirectories.Any(dir => full.StartsWith(dir, StringComparison.Ordinal)))
        {
            var allowed = _imageDirectories.Count == 0 ? "none are configured (--image-dir)" : string.Join(", ", _imageDirectories);
            errors.Add($"{where}: {field} \"{path}\" is outside the allowed image folders; allowed: {allowed}");
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

}
