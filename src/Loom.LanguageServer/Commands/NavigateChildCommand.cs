using Loom.Core.Session;
using Loom.LanguageServer.Rpc;

namespace Loom.LanguageServer.Commands;

/// <summary><c>loom.navigateChild</c> <c>{index?}</c>: moves to a child (default: the selected one).</summary>
public sealed class NavigateChildCommand : SessionCommand<int?>
{
    public override string Name => "loom.navigateChild";

    protected override int? ParseArgs(ParamReader args)
    {
        var index = args.OptionalInt("index");
        if (index < 0)
        {
            throw new InvalidParamsException(args.FieldPath("index"), "must not be negative");
        }
        return index;
    }

    protected override SessionState Apply(LoomSession session, int? index)
    {
        if (index is { } i && i >= session.GetState().Children.Length)
        {
            throw new InvalidParamsException("index", $"is {i} but the current node has {session.GetState().Children.Length} children");
        }
        return session.NavigateChild(index);
    }
}
