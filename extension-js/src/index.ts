import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { Cell, CodeCell } from '@jupyterlab/cells';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { PanelLayout } from '@lumino/widgets';

import { trackCellRuns } from './cell-runs';
import { MonitorConnection } from './connection';
import { MonitorModel, NotebookRef } from './model';
import { registerProfiles } from './profiles';
import { DEFAULT_SETTINGS, MonitorSettings, readSettings } from './settings';
import { SummaryWriter } from './summary-writer';
import { CellMonitorWidget, focusCellOf } from './widget';

const TOGGLE_ALL = 'sparkmonitor-go:toggle-all';

/**
 * Shows, under every notebook cell, the Spark jobs that cell started (matched by the cell id the kernel attaches to
 * each job). Works in JupyterLab 4 and Notebook 7: only INotebookTracker is required.
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
    const model = new MonitorModel();
    let settings: MonitorSettings = DEFAULT_SETTINGS;
    const widgets = new Set<CellMonitorWidget>();
    const applySettings = (next: MonitorSettings) => {
      settings = next;
      model.maxJobsPerCell = next.maxJobsPerCell;
      document.body.classList.toggle('sm-disabled', !next.enabled);
      widgets.forEach(w => w.scheduleRender());
    };
    if (registry) {
      registry
        .load(plugin.id)
        .then(s => {
          applySettings(readSettings(s.composite as Record<string, unknown>));
          s.changed.connect(() => applySettings(readSettings(s.composite as Record<string, unknown>)));
        })
        .catch(err => console.warn('SparkMonitor: settings not loaded, using defaults', err));
    }
    const serverSettings = app.serviceManager.serverSettings;
    const connection = new MonitorConnection(model, serverSettings);
    const monitors = new WeakMap<Cell, CellMonitorWidget>();

    // The notebook a panel shows: copies of a notebook have the same cell ids, its kernel and path tell them apart.
    const notebookOf = (panel: NotebookPanel): NotebookRef => ({
      kernelId: panel.sessionContext.session?.kernel?.id ?? null,
      path: panel.context.localPath
    });

    const attach = async (cell: Cell, cellId: string, panel: NotebookPanel) => {
      if (monitors.has(cell) || !(cell instanceof CodeCell)) {
        return;
      }
      const notebook = () => (panel.isDisposed ? undefined : notebookOf(panel));
      const widget = new CellMonitorWidget({
        model,
        cellId,
        notebook,
        connection: () => connection.status,
        settings: () => settings,
        serverSettings
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

    const cellsWithId = (panel: NotebookPanel, cellId: string) =>
      panel.content.widgets.filter(c => c.model.id === cellId);

    // A cell's jobs changed: make sure the cell with that id in each open notebook that ran them shows its monitor.
    model.onCellChanged(cellId => {
      tracker.forEach(panel => {
        if (model.jobsForCell(cellId, notebookOf(panel)).length > 0) {
          cellsWithId(panel, cellId).forEach(cell => void attach(cell, cellId, panel));
        }
      });
    });

    // A notebook opened (or cells added, or its kernel changed) after its jobs arrived, e.g. on page reload: attach
    // what is known.
    const scan = (panel: NotebookPanel) => {
      const known = new Set(model.cellIds());
      const notebook = notebookOf(panel);
      for (const cell of panel.content.widgets) {
        if (known.has(cell.model.id) && model.jobsForCell(cell.model.id, notebook).length > 0) {
          void attach(cell, cell.model.id, panel);
        }
      }
    };
    tracker.widgetAdded.connect((_, panel) => {
      trackCellRuns(panel, model); // times cell runs, for kernels that do not tag jobs with cell ids
      void panel.context.ready.then(() => {
        scan(panel);
        panel.content.model?.cells.changed.connect(() => scan(panel));
        const refresh = () => {
          scan(panel);
          widgets.forEach(w => w.scheduleRender());
        };
        panel.sessionContext.kernelChanged.connect(refresh);
        panel.context.pathChanged.connect(refresh);
      });
    });

    // One switch for every monitor of every notebook.
    let hidden = false;
    app.commands.addCommand(TOGGLE_ALL, {
      label: 'Hide Spark Monitors',
      caption: 'Hide (or show again) the Spark job monitors under notebook cells',
      isToggled: () => hidden,
      execute: () => {
        hidden = !hidden;
        if (hidden) {
          document.querySelectorAll<HTMLElement>('.sm-cell-monitor').forEach(focusCellOf);
        }
        document.body.classList.toggle('sm-hide-all', hidden);
        app.commands.notifyCommandChanged(TOGGLE_ALL);
      }
    });
    palette?.addItem({ command: TOGGLE_ALL, category: 'Spark Monitor' });

    // Spark configuration profiles: the toolbar button and command that choose a notebook's (profiles.ts).
    registerProfiles(app, tracker, palette);

    // The static summary (setting writeSummary): written into the cell once its execution and jobs are done.
    new SummaryWriter(
      model,
      () => settings,
      notebook => {
        const panel = tracker.find(p => p.content === notebook);
        return panel ? notebookOf(panel) : undefined;
      }
    );

    connection.onStatusChanged(() => widgets.forEach(w => w.scheduleRender()));
    connection.start();
  }
};

export default plugin;
