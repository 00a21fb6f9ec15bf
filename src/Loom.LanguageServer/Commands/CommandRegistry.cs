namespace Loom.LanguageServer.Commands;

/// <summary>Every command by name.</summary>
public sealed class CommandRegistry
{
    private readonly Dictionary<string, LoomCommand> _byName;

    public CommandRegistry(IEnumerable<LoomCommand> commands) =>
        _byName = commands.ToDictionary(c => c.Name, StringComparer.Ordinal);

    public IReadOnlyList<string> Names => _byName.Keys.Order(StringComparer.Ordinal).ToList();

    public LoomCommand? Find(string name) => _byName.GetValueOrDefault(name);

    public static CommandRegistry CreateDefault() => new(
    [
        new AttachCommand(),
        new GenerateCommand(),
        new CancelCommand(),
        new NavigateChildCommand(),
        new NavigateParentCommand(),
        new SelectSiblingCommand(),
        new NavigateToCommand(),
        new ToggleBookmarkCommand(),
        new NextBookmarkCommand(),
        new ToggleTreeViewCommand(),
        new ToggleModelNamesCommand(),
        new ToggleHoistCommand(),
        new SetModelCommand(),
        new SetMaxTokensCommand(),
        new SetBranchesCommand(),
        new SetTemperatureCommand(),
        new SetContextCommand(),
        new SetModelPlanCommand(),
        new DeleteNodeCommand(),
        new SaveCommand(),
        new SetApiKeyCommand(),
        new ImportCommand(),
        new ExportCommand(),
    ]);
}
