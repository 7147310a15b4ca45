import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { Cell, CodeCell } from '@jupyterlab/cells';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { PanelLayout } from '@lumino/widgets';

import { trackCellRuns } from './cell-runs';
import { MonitorConnection } from './connection';
import { MonitorModel, INotebookRef } from './model';
import { registerProfiles } from './profiles';
import { RunningCells } from './running-cells';
import { DEFAULT_SETTINGS, IMonitorSettings, readSettings } from './settings';
import { SummaryWriter } from './summary-writer';
import { WaitsWatcher } from './waits';
import { CellMonitorWidget, focusCellOf } from './widget';

const TOGGLE_ALL = 'sparkmonitor-go:toggle-all';

/**
 * Shows, under every notebook cell, the Spark jobs that cell started, as the monitor's server attributes them (one
 * stream per notebook). Works in JupyterLab 4 and Notebook 7: only INotebookTracker is required.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: 'sparkmonitor-go-labextension:cell-monitor',
  description: 'Live Spark job monitor under each notebook cell.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    registry: ISettingRegistry | null
  ) => {
    let settings: IMonitorSettings = DEFAULT_SETTINGS;
    const widgets = new Set<CellMonitorWidget>();
    const models = new Set<MonitorModel>();
    const applySettings = (next: IMonitorSettings) => {
      settings = next;
      models.forEach(m => (m.maxJobsPerCell = next.maxJobsPerCell));
      document.body.classList.toggle('sm-disabled', !next.enabled);
      widgets.forEach(w => w.scheduleRender());
    };
    if (registry) {
      registry
        .load(plugin.id)
        .then(s => {
          applySettings(readSettings(s.composite as Record<string, unknown>));
          s.changed.connect(() =>
            applySettings(readSettings(s.composite as Record<string, unknown>))
          );
        })
        .catch(err =>
          console.warn('SparkMonitor: settings not loaded, using defaults', err)
        );
    }
    const serverSettings = app.serviceManager.serverSettings;
    const monitors = new WeakMap<Cell, CellMonitorWidget>();

    // The notebook a panel shows: copies of a notebook have the same cell ids, its kernel and path tell them apart.
    const notebookOf = (panel: NotebookPanel): INotebookRef => ({
      kernelId: panel.sessionContext.session?.kernel?.id ?? null,
      path: panel.context.localPath
    });

    // Each notebook has its own model, fed by its own stream of the jobs under its cells (the server decides which).
    tracker.widgetAdded.connect((_, panel) => {
      const model = new MonitorModel(settings.maxJobsPerCell);
      models.add(model);
      const notebook = () => (panel.isDisposed ? undefined : notebookOf(panel));
      const connection = new MonitorConnection(model, serverSettings, notebook);
      const summaries = new SummaryWriter(model, () => settings, panel.content);
      // Why nothing moves in a running cell (waits.ts): a cell without jobs shows its monitor once there is a wait,
      // and loses it again once there is none (the cell ended, or moved on) and it still has no job or stream: a cell
      // that ran no Spark job keeps no empty monitor.
      const hasSpark = (cellId: string) =>
        model.jobsForCell(cellId).length > 0 ||
        model.streamsForCell(cellId).length > 0;
      const waitsChanged = (cellId: string) => {
        const cells = panel.content.widgets.filter(c => c.model.id === cellId);
        if (waits.get(cellId)?.wait) {
          cells.forEach(cell => void attach(cell, cellId));
        } else if (!hasSpark(cellId)) {
          cells.forEach(detach);
        }
        widgets.forEach(w => w.cellId === cellId && w.scheduleRender());
      };
      const running = new RunningCells(panel, id => waits.cellChanged(id));
      const waits: WaitsWatcher = new WaitsWatcher(
        running,
        serverSettings,
        notebook,
        waitsChanged,
        () => settings.stallAfterSeconds
      );

      const attach = async (cell: Cell, cellId: string) => {
        if (monitors.has(cell) || !(cell instanceof CodeCell)) {
          return;
        }
        const widget = new CellMonitorWidget({
          model,
          cellId,
          notebook,
          connection: () => connection.status,
          settings: () => settings,
          serverSettings,
          waits: () => waits.get(cellId)
        });
        monitors.set(cell, widget);
        widgets.add(widget);
        widget.disposed.connect(() => widgets.delete(widget));
        await cell.ready;
        if (cell.isDisposed) {
          widget.dispose();
          return;
        }
        const layout = cell.layout as PanelLayout;
        layout.insertWidget(layout.widgets.length - 1, widget); // below the outputs, above the footer
      };
      const detach = (cell: Cell) => {
        const widget = monitors.get(cell);
        if (widget) {
          monitors.delete(cell);
          widget.dispose();
        }
      };
      // The cells with jobs show their monitor: when the jobs arrive, and when cells are added (or the page reloads).
      const scan = () => {
        for (const cell of panel.content.widgets) {
          if (hasSpark(cell.model.id)) {
            void attach(cell, cell.model.id);
          }
        }
      };
      model.onCellChanged(cellId => {
        if (hasSpark(cellId)) {
          panel.content.widgets
            .filter(c => c.model.id === cellId)
            .forEach(cell => void attach(cell, cellId));
        }
      });
      connection.onStatusChanged(() =>
        widgets.forEach(w => w.scheduleRender())
      );
      trackCellRuns(panel, serverSettings); // reports cell runs, for kernels that do not tag jobs with cell ids
      void panel.context.ready.then(() => {
        if (panel.isDisposed) {
          return;
        }
        scan();
        panel.content.model?.cells.changed.connect(scan);
        const renotebook = () => connection.restart(); // the server's view of the notebook changed
        panel.sessionContext.kernelChanged.connect(renotebook);
        panel.context.pathChanged.connect(renotebook);
        connection.start();
      });
      panel.disposed.connect(() => {
        connection.dispose();
        running.dispose();
        waits.dispose();
        summaries.dispose();
        model.dispose();
        models.delete(model);
      });
    });

    // One switch for every monitor of every notebook.
    let hidden = false;
    app.commands.addCommand(TOGGLE_ALL, {
      label: 'Hide Spark Monitors',
      caption:
        'Hide (or show again) the Spark job monitors under notebook cells',
      isToggled: () => hidden,
      execute: () => {
        hidden = !hidden;
        if (hidden) {
          document
            .querySelectorAll<HTMLElement>('.sm-cell-monitor')
            .forEach(focusCellOf);
        }
        document.body.classList.toggle('sm-hide-all', hidden);
        app.commands.notifyCommandChanged(TOGGLE_ALL);
      }
    });
    palette?.addItem({ command: TOGGLE_ALL, category: 'Spark Monitor' });

    // Spark configuration profiles: the toolbar button and command that choose a notebook's (profiles.ts).
    registerProfiles(app, tracker, palette);
  }
};

export default plugin;
