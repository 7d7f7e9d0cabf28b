using System.Text.RegularExpressions;
using k8s;
using k8s.Models;

namespace LiquidMetal.Cli.Tests.Helm;

/// <summary>
/// What the chart rendered, each document parsed strictly (an unknown field fails) into KubernetesClient's typed model
/// of its kind (or <see cref="ServiceMonitor"/>); a kind the map does not know fails too.
/// </summary>
internal sealed class RenderedChart
{
    private static readonly Dictionary<string, Type> Kinds = new(StringComparer.Ordinal)
    {
        ["v1/ServiceAccount"] = typeof(V1ServiceAccount),
        ["v1/Secret"] = typeof(V1Secret),
        ["v1/ConfigMap"] = typeof(V1ConfigMap),
        ["v1/Service"] = typeof(V1Service),
        ["apps/v1/Deployment"] = typeof(V1Deployment),
        ["policy/v1/PodDisruptionBudget"] = typeof(V1PodDisruptionBudget),
        ["rbac.authorization.k8s.io/v1/Role"] = typeof(V1Role),
        ["rbac.authorization.k8s.io/v1/RoleBinding"] = typeof(V1RoleBinding),
        ["monitoring.coreos.com/v1/ServiceMonitor"] = typeof(ServiceMonitor),
    };

    private RenderedChart(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects) => Objects = objects;

    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects { get; }

    public V1Deployment Deployment => Single<V1Deployment>();

    public V1Container Reconciler => Assert.Single(Deployment.Spec.Template.Spec.Containers);

    public IReadOnlyList<string> Args => [.. Reconciler.Args];

    /// <summary>
    /// Parses helm's output: documents with nothing but comments or blank lines (a template that rendered nothing) are
    /// left out, as helm and kubectl leave them out.
    /// </summary>
    public static RenderedChart Parse(string yaml)
    {
        var documents = Regex.Split(yaml, @"^---[ \t]*$", RegexOptions.Multiline)
            .Where(document => document.Split('\n').Any(line => line.Trim() is { Length: > 0 } text && !text.StartsWith('#')));
        var objects = KubernetesYaml.LoadAllFromString(string.Join("---\n", documents), Kinds, strict: true);
        Assert.NotEmpty(objects);
        return new RenderedChart([.. objects.Select(o => Assert.IsAssignableFrom<IKubernetesObject<V1ObjectMeta>>(o))]);
    }

    public T Single<T>() => Assert.Single(Objects.OfType<T>());

    public IEnumerable<T> All<T>() => Objects.OfType<T>();
}
