// Types and names of Loom's editor protocol (docs/protocol.md). Pure: no vscode import.

export interface LoomChild {
  id: string;
  text: string;
  model?: string | null;
  bookmarked?: boolean;
  descendantCount?: number;
}

export interface ModelPlanEntry {
  model: string;
  branches?: number;
  maxTokens?: number;
  temperature?: number;
  enabled?: boolean;
}

export interface LoomState {
  currentNodeId: string;
  fullText: string;
  children: LoomChild[];
  selectedChildIdx: number;
  descendantCounts?: Record<string, number>;
  continuationText?: string;
  model?: string;
  maxTokens?: number;
  temperature?: number;
  nBranches?: number;
  context?: string;
  rootId?: string;
  viewMode?: 'branch' | 'tree';
  hoistedNodeId?: string | null;
  treeNodes?: unknown;
  showModelNames?: boolean;
  bookmarked?: boolean;
  generating?: boolean;
  modelPlan?: ModelPlanEntry[];
}

export interface TreeNode {
  id: string;
  parentId: string | null;
  text: string;
  model?: string | null;
  bookmarked?: boolean;
  childCount: number;
  checkedOut?: boolean;
  createdAt?: string;
}

export interface TreeSummary {
  id: string;
  name?: string;
  preview?: string;
  nodeCount?: number;
  updatedAt?: string;
  uris?: string[];
}

export type GenerationEvent =
  | { uri: string; generationId: string; event: 'token'; branchIdx: number; token: string }
  | {
      uri: string;
      generationId: string;
      event: 'complete';
      completions?: string[];
      newNodeIds?: string[];
      failures?: { branchIdx: number; model?: string; category?: string; message?: string }[];
    }
  | { uri: string; generationId: string; event: 'error'; message?: string; category?: string }
  | { uri: string; generationId: string; event: 'cancelled' };

export interface StateChanged {
  uri: string;
  state: LoomState;
}

/** Server commands (workspace/executeCommand) of the protocol. */
export const ServerCommand = {
  attach: 'loom.attach',
  generate: 'loom.generate',
  cancel: 'loom.cancel',
  navigateChild: 'loom.navigateChild',
  navigateParent: 'loom.navigateParent',
  selectSibling: 'loom.selectSibling',
  navigateTo: 'loom.navigateTo',
  toggleBookmark: 'loom.toggleBookmark',
  nextBookmark: 'loom.nextBookmark',
  toggleTreeView: 'loom.toggleTreeView',
  toggleModelNames: 'loom.toggleModelNames',
  toggleHoist: 'loom.toggleHoist',
  setModel: 'loom.setModel',
  setMaxTokens: 'loom.setMaxTokens',
  setBranches: 'loom.setBranches',
  setContext: 'loom.setContext',
  setModelPlan: 'loom.setModelPlan',
  deleteNode: 'loom.deleteNode',
  save: 'loom.save',
  setApiKey: 'loom.setApiKey',
  import: 'loom.import',
  export: 'loom.export',
} as const;

export type ServerCommandName = (typeof ServerCommand)[keyof typeof ServerCommand];

export const ALL_SERVER_COMMANDS: readonly string[] = Object.values(ServerCommand);

export const Method = {
  state: 'loom/state',
  trees: 'loom/trees',
  tree: 'loom/tree',
  generation: 'loom/generation',
  stateChanged: 'loom/stateChanged',
} as const;

/** Commands whose result is `{bookmarked, state}` rather than a LoomState. */
export function stateFromResult(result: unknown): LoomState | undefined {
  if (!result || typeof result !== 'object') return undefined;
  const r = result as Record<string, unknown>;
  if (typeof r.currentNodeId === 'string') return r as unknown as LoomState;
  if (r.state && typeof r.state === 'object' && typeof (r.state as Record<string, unknown>).currentNodeId === 'string') {
    return r.state as LoomState;
  }
  return undefined;
}
