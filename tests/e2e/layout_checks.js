// Layout checks run in the page by tests/e2e/test_projector.py: does any element overflow its container, does any
// plotly tick label, bar total or title collide with another or leave its chart, does a chart fill its width?
// Returns {checked, problems: [text, ...]}; `checked` counts every element and label looked at.
() => {
  const problems = [];
  let checked = 0;
  const main = document.querySelector('[data-testid="stMain"]');
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  const describe = (el) => {
    const id = el.getAttribute('data-testid') || el.className.baseVal || el.className || el.tagName;
    const text = (el.innerText || el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 60);
    return `${id} "${text}"`;
  };
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && el.offsetParent !== null;
  };
  const overlap = (a, b, slack = 1) =>
    a.left + slack < b.right && b.left + slack < a.right && a.top + slack < b.bottom && b.top + slack < a.bottom;

  // A dataframe's resize handle (an invisible strip, Streamlit's own) reaches past its column's edge: an
  // overflow made only of such handles cuts nothing off.
  const onlyResizeHandles = (el) => {
    const right = el.getBoundingClientRect().right;
    return [...el.querySelectorAll('*')].every((child) => {
      const box = child.getBoundingClientRect();
      if (box.right <= right + 2 || !box.width) return true;
      const holder = child.closest('[data-testid]');
      return holder && holder !== child && holder.getAttribute('data-testid') === 'stDataFrameResizable';
    });
  };

  // 1. Nothing scrolls or is cut sideways: scroll width against client width.
  const sideways = [
    ['main', main ? [main.querySelector('[data-testid="stMainBlockContainer"]')] : []],
    ['table', document.querySelectorAll('[data-testid="stTable"]')],
    ['dataframe', document.querySelectorAll('[data-testid="stDataFrame"] .dvn-scroller')],
    ['markdown', document.querySelectorAll('[data-testid="stMain"] [data-testid="stMarkdownContainer"]')],
    ['metric', document.querySelectorAll('[data-testid="stMetricValue"], [data-testid="stMetricLabel"]')],
    ['column', document.querySelectorAll('[data-testid="stColumn"]')],
    ['sidebar link', document.querySelectorAll('[data-testid="stSidebarNav"] a span')],
    ['sidebar', sidebar ? sidebar.querySelectorAll('[data-testid="stMarkdownContainer"], [data-testid="stSidebarUserContent"]') : []],
    ['button', document.querySelectorAll('[data-testid="stMain"] button p')],
  ];
  for (const [kind, elements] of sideways) {
    for (const el of elements) {
      if (!el || !visible(el)) continue;
      checked += 1;
      if (el.scrollWidth > el.clientWidth + 2 && !onlyResizeHandles(el)) {
        problems.push(`${kind} overflows (${el.scrollWidth} > ${el.clientWidth} px): ${describe(el)}`);
      }
    }
  }
  // An element wider than the column holding it (charts, tables, frames).
  for (const el of document.querySelectorAll('[data-testid="stMain"] [data-testid="stElementContainer"] > *')) {
    if (!visible(el)) continue;
    const parent = el.closest('[data-testid="stColumn"], [data-testid="stVerticalBlock"]');
    if (!parent) continue;
    checked += 1;
    const box = el.getBoundingClientRect(), room = parent.getBoundingClientRect();
    if (box.right > room.right + 2 || box.left < room.left - 2) {
      problems.push(`element leaves its column (${Math.round(box.left)}..${Math.round(box.right)} in `
        + `${Math.round(room.left)}..${Math.round(room.right)}): ${describe(el)}`);
    }
  }

  // 2. Plotly charts: fill their width, keep labels apart and inside the drawing.
  for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    const plot = chart.querySelector('.js-plotly-plot');
    const svg = chart.querySelector('.main-svg');
    if (!plot || !svg || !visible(chart)) continue;
    const title = (chart.querySelector('.gtitle') || {}).textContent || '(untitled chart)';
    const svgBox = svg.getBoundingClientRect(), chartBox = chart.getBoundingClientRect();
    checked += 1;
    if (svgBox.width < 0.95 * chartBox.width) {
      problems.push(`chart "${title}" is ${Math.round(svgBox.width)} px wide in ${Math.round(chartBox.width)} px`);
    }
    if (svgBox.height < 200) problems.push(`chart "${title}" is only ${Math.round(svgBox.height)} px high`);
    // Tick labels of one axis must not overlap each other.
    for (const axis of chart.querySelectorAll('.xaxislayer-above, .yaxislayer-above')) {
      const boxes = [...axis.querySelectorAll('.xtick text, .ytick text')]
        .filter((t) => t.textContent.trim()).map((t) => [t.textContent, t.getBoundingClientRect()]);
      checked += boxes.length;
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          if (overlap(boxes[i][1], boxes[j][1])) {
            problems.push(`chart "${title}": tick labels "${boxes[i][0]}" and "${boxes[j][0]}" overlap`);
          }
        }
      }
    }
    // Every category of a category axis is labelled (plotly drops some when they do not fit).
    const layout = plot._fullLayout || {};
    for (const name of Object.keys(layout).filter((k) => /^[xy]axis\d*$/.test(k))) {
      const axis = layout[name];
      if (!axis || axis.type !== 'category' || !axis._categories || axis.tickvals) continue;
      const letter = name[0], id = axis._id;
      const shown = chart.querySelectorAll(`.${letter}axislayer-above .${letter}tick text, .${id}tick text`).length;
      checked += 1;
      if (axis._categories.length > 0 && shown < axis._categories.length) {
        problems.push(`chart "${title}": ${shown} of ${axis._categories.length} ${letter} categories labelled`);
      }
    }
    // Texts (titles, axis titles, annotations such as bar totals, legend entries) stay inside the drawing and
    // apart from each other; an axis title stays off the other subplots' plotting areas.
    const texts = [...chart.querySelectorAll('.gtitle, .g-xtitle text, .g-ytitle text, [class^="g-x"][class$="title"] text, '
      + '[class^="g-y"][class$="title"] text, .annotation-text-g text, .legendtext')]
      .filter((t) => t.textContent.trim());
    const unique = [...new Set(texts)];
    const boxes = unique.map((t) => [t.textContent.trim(), t.getBoundingClientRect(), t]);
    checked += boxes.length;
    for (const [text, box] of boxes) {
      if (box.left < svgBox.left - 1 || box.right > svgBox.right + 1 || box.top < svgBox.top - 1
          || box.bottom > svgBox.bottom + 1) {
        problems.push(`chart "${title}": "${text.slice(0, 40)}" is cut by the chart's edge`);
      }
    }
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, boxA, elA] = boxes[i], [b, boxB, elB] = boxes[j];
        if (elA.closest('.legend') && elB.closest('.legend')) continue;  // a legend lays its own entries out
        if (overlap(boxA, boxB, 2)) problems.push(`chart "${title}": "${a.slice(0, 30)}" overlaps "${b.slice(0, 30)}"`);
      }
    }
    const areas = [...chart.querySelectorAll('.bglayer rect.bg, .subplot .nsewdrag')]
      .map((r) => r.getBoundingClientRect()).filter((r) => r.width > 0);
    for (const title_ of chart.querySelectorAll('.g-ytitle, [class^="g-y"][class$="title"]')) {
      const box = title_.getBoundingClientRect();
      if (!box.width) continue;
      checked += 1;
      if (areas.some((area) => overlap(box, area, 2))) {
        problems.push(`chart "${title}": axis title "${title_.textContent.trim()}" lies on a plotting area`);
      }
    }
    // The legend may not take more than half the chart's width.
    const legend = chart.querySelector('.legend');
    if (legend) {
      checked += 1;
      const box = legend.getBoundingClientRect();
      if (box.width > 0.5 * svgBox.width && box.height > 0.5 * svgBox.height) {
        problems.push(`chart "${title}": the legend covers ${Math.round(box.width)} x ${Math.round(box.height)} px`);
      }
    }
  }
  return {checked, problems};
}
