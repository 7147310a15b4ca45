// The Spark profile chooser (docs/user-guide.md): a toolbar button on every notebook ("Spark: <profile>") and the
// command "Choose Spark Profile…" open a dialog listing the monitor's profiles (api/profiles, re-read while it is
// open, so a profile saved into the config file shows up without a restart); invalid ones show their reasons and
// cannot be chosen. The choice goes into the notebook's metadata and, with a silent execute, to its kernel, which
// applies it to the next SparkSession (jupyter_config/sparkmonitor_go/kernel.py).
import { JupyterFrontEnd } from '@jupyterlab/application';
import {
  Dialog,
  ICommandPalette,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ServerConnection } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';

import {
  confSummary,
  fetchProfiles,
  IKernelReport,
  METADATA_KEY,
  parseReport,
  IProfile,
  IProfileList,
  readChoice,
  REPORT_EXPRESSION,
  runningNote,
  Send,
  sessionNote,
  unavailableReason,
  useProfileCode
} from './profiles-model';

const CHOOSE = 'sparkmonitor-go:choose-profile';
/** How often an open dialog re-reads the list, and the page re-checks the chosen profiles. */
const DIALOG_REFRESH_MS = 2_000;
const BACKGROUND_REFRESH_MS = 10_000;

/** One notebook's chooser state: its toolbar button, and what its kernel was last given. */
class NotebookProfile {
  readonly button: Widget;
  /** JSON of what the kernel got last (to re-send only on change), null before the first send. */
  sent: string | null = null;
  report: IKernelReport | null = null;
  problem: string | null = null;
  /** A choice is on its way to the kernel (which may be busy running a cell). */
  sending = false;

  constructor(
    readonly panel: NotebookPanel,
    onClick: () => void
  ) {
    this.button = new Widget({ node: document.createElement('button') });
    this.button.addClass('sm-profile-button');
    this.button.addClass('jp-ToolbarButtonComponent');
    this.button.node.addEventListener('click', onClick);
    this.render();
  }

  get chosen(): string | null {
    return this.panel.model
      ? readChoice(this.panel.model.getMetadata(METADATA_KEY))
      : null;
  }

  render(): void {
    const node = this.button.node;
    const chosen = this.chosen;
    node.textContent = `Spark: ${chosen ?? 'default'}`;
    const note = this.report ? sessionNote(chosen, this.report) : null;
    node.dataset.profile = chosen ?? '';
    node.dataset.state = this.sending
      ? 'sending'
      : this.problem
        ? 'unavailable'
        : note
          ? 'next-session'
          : 'ok';
    node.title = this.sending
      ? `Sending Spark profile ${chosen ?? '(none)'} to the kernel (it takes it once it is idle)`
      : this.problem
        ? `Spark profile ${chosen} cannot be applied: ${this.problem}`
        : (note ??
          (chosen
            ? `Spark profile ${chosen}: applied to this notebook's SparkSession`
            : 'Choose a Spark profile'));
  }
}

export function registerProfiles(
  app: JupyterFrontEnd,
  tracker: INotebookTracker,
  palette: ICommandPalette | null
): void {
  const settings = app.serviceManager.serverSettings;
  const send: Send = (url, init) =>
    ServerConnection.makeRequest(url, init, settings);
  const states = new Map<NotebookPanel, NotebookProfile>();
  let list: IProfileList | null = null;

  const refreshList = async (): Promise<IProfileList> => {
    list = await fetchProfiles(send, settings.baseUrl);
    return list;
  };

  // Hands the notebook's choice to its kernel (when it changed since the last send, or force), and records the
  // kernel's report. Python kernels only; a profile that is gone or invalid clears the kernel's.
  const sync = async (state: NotebookProfile, force = false): Promise<void> => {
    const kernel = state.panel.sessionContext.session?.kernel;
    const chosen = state.chosen;
    if (!kernel || (chosen === null && state.sent === null && !force)) {
      state.render();
      return;
    }
    let profile: IProfile | null = null;
    state.problem = null;
    if (chosen !== null) {
      try {
        const current = list ?? (await refreshList());
        state.problem = unavailableReason(chosen, current);
        profile = state.problem
          ? null
          : (current.profiles.find(p => p.name === chosen) ?? null);
      } catch (err) {
        state.problem = (err as Error).message;
      }
    }
    const code = useProfileCode(profile);
    if (code === state.sent && !force) {
      state.render();
      return;
    }
    const info = await kernel.info;
    if (info.language_info.name !== 'python') {
      state.problem = 'Spark profiles apply to Python kernels (PySpark)';
      state.render();
      return;
    }
    const future = kernel.requestExecute({
      code,
      silent: true,
      store_history: false,
      allow_stdin: false,
      stop_on_error: false,
      user_expressions: { report: REPORT_EXPRESSION }
    });
    const reply = await future.done;
    const content = reply.content as {
      status: string;
      user_expressions?: Record<string, unknown>;
      ename?: string;
      evalue?: string;
    };
    try {
      state.report = parseReport(
        content.status === 'ok'
          ? content.user_expressions?.report
          : { status: 'error', ename: content.ename, evalue: content.evalue }
      );
      state.sent = code;
    } catch (err) {
      state.problem = (err as Error).message;
    }
    state.render();
  };

  const choose = async (state: NotebookProfile): Promise<void> => {
    const body = new ProfileDialogBody(
      state.chosen,
      refreshList,
      () => state.report
    );
    const result = await showDialog({
      title: 'Spark profile for this notebook',
      body,
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Use' })]
    });
    if (
      !result.button.accept ||
      result.value === undefined ||
      !state.panel.model
    ) {
      return;
    }
    const name = result.value;
    state.panel.model.setMetadata(METADATA_KEY, {
      ...(state.panel.model.getMetadata(METADATA_KEY) ?? {}),
      profile: name
    });
    state.sending = true;
    state.render();
    try {
      await sync(state, true);
    } catch (err) {
      state.problem = `the kernel did not take it (${(err as Error).message})`;
    } finally {
      state.sending = false;
      state.render();
    }
    const note = state.report ? sessionNote(name, state.report) : null;
    if (state.problem) {
      Notification.error(`Spark profile ${name ?? ''}: ${state.problem}`, {
        autoClose: false
      });
    } else if (note) {
      Notification.warning(note, { autoClose: false });
    }
  };

  tracker.widgetAdded.connect((_, panel) => {
    const state = new NotebookProfile(panel, () => void choose(state));
    states.set(panel, state);
    panel.toolbar.insertItem(10, 'sparkmonitorProfile', state.button);
    panel.disposed.connect(() => states.delete(panel));
    // A (re)started kernel has no profile: send it once the kernel is idle again.
    let pending = true;
    panel.sessionContext.kernelChanged.connect(() => {
      pending = true;
      state.sent = null;
    });
    const sendToKernel = () =>
      void sync(state).catch(err =>
        console.warn('SparkMonitor: Spark profile not sent to the kernel', err)
      );
    panel.sessionContext.statusChanged.connect((_, status) => {
      if (
        status === 'restarting' ||
        status === 'autorestarting' ||
        status === 'starting'
      ) {
        pending = true;
        state.sent = null;
      } else if (status === 'idle' && pending) {
        pending = false;
        sendToKernel();
      }
    });
    // A kernel that was idle before the panel connected to it raises no status change.
    void panel.context.ready
      .then(() => panel.sessionContext.ready)
      .then(() => {
        state.render();
        if (
          pending &&
          panel.sessionContext.session?.kernel?.status === 'idle'
        ) {
          pending = false;
          sendToKernel();
        }
      });
  });

  // The config file may change: re-read the list now and then, and re-send a chosen profile whose settings changed.
  window.setInterval(() => {
    const chosen = [...states.values()].filter(s => s.chosen !== null);
    if (chosen.length === 0 || document.hidden) {
      return;
    }
    void refreshList()
      .then(() => Promise.all(chosen.map(s => sync(s))))
      .catch(err =>
        console.warn('SparkMonitor: Spark profiles not refreshed', err)
      );
  }, BACKGROUND_REFRESH_MS);

  app.commands.addCommand(CHOOSE, {
    label: 'Choose Spark Profile…',
    caption:
      "Choose the Spark configuration profile of this notebook's next SparkSession",
    isEnabled: () => tracker.currentWidget !== null,
    execute: () => {
      const panel = tracker.currentWidget;
      const state = panel ? states.get(panel) : undefined;
      return state ? choose(state) : undefined;
    }
  });
  palette?.addItem({ command: CHOOSE, category: 'Spark Monitor' });
}

/** The dialog's body: the profiles as radio buttons ("No profile" first), re-read every 2 s while open. Its value is
 * the chosen name (null: no profile). */
class ProfileDialogBody
  extends Widget
  implements Dialog.IBodyWidget<string | null>
{
  constructor(
    private selected: string | null,
    private readonly load: () => Promise<IProfileList>,
    private readonly report: () => IKernelReport | null
  ) {
    super();
    this.addClass('sm-profile-dialog');
    this.node.innerHTML =
      '<p class="sm-profile-session"></p><div class="sm-profile-options" role="radiogroup"></div><p class="sm-profile-status"></p>';
    this.node.addEventListener('change', ev => {
      const input = ev.target as HTMLInputElement;
      if (input.name === 'sm-profile') {
        this.selected = input.value === '' ? null : input.value;
      }
    });
    void this.refresh();
    this.timer = window.setInterval(
      () => void this.refresh(),
      DIALOG_REFRESH_MS
    );
  }

  getValue(): string | null {
    return this.selected;
  }

  dispose(): void {
    window.clearInterval(this.timer);
    super.dispose();
  }

  private async refresh(): Promise<void> {
    const status = this.node.querySelector('.sm-profile-status') as HTMLElement;
    let list: IProfileList;
    try {
      list = await this.load();
    } catch (err) {
      status.textContent = (err as Error).message;
      return;
    }
    if (this.isDisposed) {
      return;
    }
    const r = this.report();
    const running = r ? runningNote(r) : null;
    (
      this.node.querySelector('.sm-profile-session') as HTMLElement
    ).textContent = running
      ? `${running} A new choice applies to the next SparkSession: restart the kernel, or stop the session (spark.stop()).`
      : '';
    const json = JSON.stringify(list);
    if (json === this.shown) {
      return;
    }
    this.shown = json;
    status.textContent = !list.config
      ? 'The monitor runs without a config file: no profiles.'
      : list.configError
        ? `The config file is broken; these are the profiles of its last good version.\n${list.configError}`
        : `Profiles from ${list.config}` +
          (list.profiles.length
            ? ''
            : ' (it has none: add a profiles: section)');
    const options = this.node.querySelector(
      '.sm-profile-options'
    ) as HTMLElement;
    options.replaceChildren(
      this.option(null, list),
      ...list.profiles.map(p => this.option(p, list))
    );
  }

  private option(p: IProfile | null, list: IProfileList): HTMLElement {
    const label = document.createElement('label');
    label.className = 'sm-profile-option';
    label.dataset.profile = p?.name ?? '';
    label.dataset.valid = String(p?.valid ?? true);
    const input = document.createElement('input');
    input.type = 'radio';
    input.name = 'sm-profile';
    input.value = p?.name ?? '';
    input.disabled = p !== null && !p.valid;
    input.checked = (p?.name ?? null) === this.selected && !input.disabled;
    const name = document.createElement('span');
    name.className = 'sm-profile-name';
    name.textContent = p?.name ?? 'No profile';
    const detail = document.createElement('span');
    detail.className = 'sm-profile-detail';
    detail.textContent =
      p === null
        ? "Spark's defaults and your own settings only"
        : [p.description, confSummary(p)].filter(Boolean).join(' — ');
    label.append(input, name, detail);
    if (p && !p.valid) {
      const problems = document.createElement('pre');
      problems.className = 'sm-profile-problems';
      problems.textContent = `Cannot be used:\n${unavailableReason(p.name, list)}`;
      label.append(problems);
    }
    return label;
  }

  private timer = 0;
  private shown = '';
}
