import { expect } from 'chai';
import { barChart, compact, lineChart, xmlEscape } from '../src/cli/bench/svg.js';

/** Minimal well-formedness check: balanced tags, one root <svg>, no stray '<' or '&'. */
function checkXml(svg: string): void {
  const body = svg.replace(/^<\?xml[^>]*\?>\s*/, '');
  expect(body.startsWith('<svg ')).to.equal(true);
  expect(body).to.match(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  const stack: string[] = [];
  const re = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body))) {
    const text = body.slice(last, m.index);
    expect(text, `text before ${m[0]}`).to.not.match(/[<>]/);
    expect(text.replace(/&(amp|lt|gt|quot|#39);/g, '')).to.not.include('&');
    last = re.lastIndex;
    if (m[4]) continue;
    if (m[1]) expect(stack.pop(), `closing ${m[2]}`).to.equal(m[2]);
    else stack.push(m[2]!);
    if (stack.length === 0) expect(body.slice(last).trim()).to.equal('');
  }
  expect(stack).to.deep.equal([]);
}

describe('bench: SVG charts (src/cli/bench/svg.ts)', () => {
  it('draws a log-log line chart with one marker per point and valid XML', () => {
    const svg = lineChart(
      [
        { label: 'matmul (MPC)', points: [[8, 0.002], [25, 0.004], [80, 0.03], [250, 0.6], [800, 14]] },
        { label: 'plaintext <ref> & co', points: [[8, 1e-5], [25, 1e-4], [80, 0.003], [250, 0.1], [800, 3]] },
      ],
      { title: 'time vs size', xLabel: 'matrix side', yLabel: 'seconds' },
    );
    checkXml(svg);
    expect(svg.match(/<circle class="pt"/g)).to.have.length(10);
    expect(svg.match(/<polyline/g)).to.have.length(2);
    expect(svg).to.include('plaintext &lt;ref&gt; &amp; co');
    expect(svg).to.include('(log scale)');
    // Decade ticks on both axes: 1 .. 1000 on x.
    for (const t of ['>1<', '>10<', '>100<', '>1k<']) expect(svg).to.include(t);
  });

  it('places points monotonically: a larger value is further right and higher up', () => {
    const svg = lineChart([{ label: 's', points: [[1, 1], [10, 10], [100, 100]] }], { title: 't', xLabel: 'x', yLabel: 'y' });
    const pts = [...svg.matchAll(/<circle class="pt" cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(pts).to.have.length(3);
    expect(pts[1]![0]! - pts[0]![0]!).to.be.closeTo(pts[2]![0]! - pts[1]![0]!, 0.2); // equal decades, equal steps
    expect(pts[1]![1]).to.be.below(pts[0]![1]!);
    expect(pts[2]![1]).to.be.below(pts[1]![1]!);
  });

  it('draws grouped bars on a log axis with one rect per bar', () => {
    const svg = barChart(
      [
        { label: 'train.logreg', bars: [{ label: 'none', value: 1.2 }, { label: 'lan', value: 2.5 }, { label: 'wan', value: 60 }] },
        { label: 'mul', bars: [{ label: 'none', value: 0.05 }, { label: 'lan', value: 0.06 }, { label: 'wan', value: 0.3 }] },
      ],
      { title: 'LAN vs WAN', xLabel: 'benchmark', yLabel: 'seconds' },
    );
    checkXml(svg);
    expect(svg.match(/<rect class="bar"/g)).to.have.length(6);
  });

  it('refuses points a log axis cannot show, with the chart title in the error', () => {
    expect(() => lineChart([{ label: 's', points: [[0, 1]] }], { title: 'bad one', xLabel: 'x', yLabel: 'y' })).to.throw(RangeError, /bad one/);
    expect(() => lineChart([], { title: 'empty', xLabel: 'x', yLabel: 'y' })).to.throw(RangeError, /no data/);
    expect(() => barChart([{ label: 'g', bars: [{ label: 'b', value: Number.NaN }] }], { title: 'nan', xLabel: 'x', yLabel: 'y' })).to.throw(RangeError);
  });

  it('formats tick numbers compactly and escapes XML', () => {
    expect(compact(1000)).to.equal('1k');
    expect(compact(0.001)).to.equal('1m');
    expect(compact(2.5e6)).to.equal('2.5M');
    expect(compact(0)).to.equal('0');
    expect(xmlEscape(`a<b>&"c'`)).to.equal('a&lt;b&gt;&amp;&quot;c&#39;');
  });
});
