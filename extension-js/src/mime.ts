// The renderer of the static summary's own mime type (summary.ts). With the extension installed, the live monitor is
// right above the output, so the summary shows as a one-line note instead of its HTML table. Loaded as the package's
// mimeExtension, so every notebook's rendermime has it (JupyterLab 4 and Notebook 7) whatever the activation order.
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { SUMMARY_MIME, ISummaryData, summaryHeadline } from './summary';

class SummaryNote extends Widget implements IRenderMime.IRenderer {
  constructor() {
    super();
    this.addClass('sm-summary-note');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[SUMMARY_MIME] as unknown as
      ISummaryData | undefined;
    if (!data || typeof data !== 'object' || typeof data.numJobs !== 'number') {
      this.node.textContent = 'Spark job summary (unreadable)';
      return;
    }
    this.node.dataset.jobs = String(data.numJobs);
    this.node.dataset.failed = String(data.numFailed);
    this.node.textContent = `${summaryHeadline(data)} (summary saved in the notebook)`;
  }
}

const extension: IRenderMime.IExtension = {
  id: 'sparkmonitor-go-labextension:summary',
  description:
    'Shows the saved Spark job summary of a cell as a one-line note.',
  rendererFactory: {
    safe: true,
    mimeTypes: [SUMMARY_MIME],
    createRenderer: () => new SummaryNote()
  },
  // Lower ranks win: ahead of text/html (50), so JupyterLab picks this mime type of the output.
  rank: 0,
  dataType: 'json'
};

export default extension;
