import * as vscode from 'vscode';
import type { Services } from '../services';
import { runTaskCommand } from './commands';
import { DbPorterTaskProvider, TASK_TYPE } from './task-provider';
import { TasksTree } from './tasks-tree';

/** The TASKS view, its Run and Dry Run commands, and the same tasks as VS Code tasks. */
export function registerTasks(services: Services): { tree: TasksTree; view: vscode.TreeView<unknown> } {
  const tree = new TasksTree(services.config);
  const view = vscode.window.createTreeView('dbporter.tasks', { treeDataProvider: tree });
  services.context.subscriptions.push(
    tree,
    view,
    vscode.tasks.registerTaskProvider(TASK_TYPE, new DbPorterTaskProvider(services)),
    vscode.commands.registerCommand('dbporter.runTask', (arg) => runTaskCommand(services, arg, false)),
    vscode.commands.registerCommand('dbporter.dryRunTask', (arg) => runTaskCommand(services, arg, true)),
  );
  return { tree, view: view as vscode.TreeView<unknown> };
}
