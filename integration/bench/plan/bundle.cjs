// Bundles entry.mjs with webpack (the one @jupyter/builder brings) into build/bench/plan/: the page's script and the
// layout worker's chunk. Run from the repository root: node integration/bench/plan/bundle.cjs
const path = require('path');
const webpack = require(path.resolve('extension-js/node_modules/webpack'));

webpack(
  {
    mode: 'production',
    target: 'web',
    context: path.resolve('integration/bench/plan'),
    entry: './entry.mjs',
    output: { path: path.resolve('build/bench/plan'), filename: 'bench.js', publicPath: 'auto' },
    resolve: { modules: [path.resolve('extension-js/node_modules')], fullySpecified: false },
    devtool: false
  },
  (err, stats) => {
    if (err || stats.hasErrors()) {
      console.error(err || stats.toString('errors-only'));
      process.exit(1);
    }
    console.log(stats.toString({ all: false, assets: true }));
  }
);
