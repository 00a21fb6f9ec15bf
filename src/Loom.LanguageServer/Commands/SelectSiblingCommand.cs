using Loom.Core.Session;
using Loom.LanguageServer.Rpc;

namespace Loom.LanguageServer.Commands;

/// <summary><c>loom.selectSibling</c> <c>{delta}</c>: +1 / -1 selects the next / previous sibling, wrapping.</summary>
public sealed class SelectSiblingCommand : SessionCommand<int>
{
    public const int MaxDelta = 1000;

    public override string Name => "loom.selectSibling";

    protected override int ParseArgs(ParamReader args)
    {
        var delta = args.Int("delta");
        if (delta == 0 || Math.Abs((long)delta) > MaxDelta)
        {
            throw new InvalidParamsException(args.FieldPath("delta"), $"must be +1 or -1 (at most {MaxDelta} either way, not 0); got {delta}");
        }
        return delta;
    }

    protected override SessionState Apply(LoomSession session, int delta) => session.SelectSibling(delta);
}
