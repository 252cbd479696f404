// The ll4al labeling page: one item at a time (the next one preloaded), keyboard first.
// It talks to the browser oracle's API with the token of the URL it was opened with.
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const session = (() => {
    let s = sessionStorage.getItem('ll4al-session');
    if (!s) {
      s = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
      sessionStorage.setItem('ll4al-session', s);
    }
    return s;
  })();
  const COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
  const colorOf = (k) => COLORS[k % COLORS.length];
  const keyOf = (k) => (k < 9 ? String(k + 1) : k === 9 ? '0' : '');

  /** @type {{kind: string, classNames?: string[], keypointNames?: string[], side?: number}} */
  let task;
  let status = null;
  /** The item shown and the one preloaded: { lease, id, cycle, img, previous } */
  let current = null;
  let next = null;
  /** True while the page waits for the preloaded item after an answer (the stage stays blank). */
  let holding = false;
  let undoAsked = false;
  let busy = false;
  let showPrediction = localStorage.getItem('ll4al-prediction') === '1';
  let prediction = null;
  // Detection: boxes of the current item [{box:[x1,y1,x2,y2], class}], the selected one, the class for new boxes.
  let boxes = [];
  let selected = -1;
  let activeClass = 0;
  let drag = null;
  // Keypoints: the points placed so far, [x, y] in image pixels.
  let points = [];
  let hover = null;

  const canvas = $('stage');
  const ctx = canvas.getContext('2d');
  let view = { size: 0, scale: 1, ox: 0, oy: 0, w: 1, h: 1 };

  // ---- the API ----
  // Responses may arrive out of order (a poll sent before a lease, answered after it): a status
  // is taken only when its request was sent after the one of the status in use.
  let sent = 0;
  let statusSeq = 0;
  const takeStatus = (s, seq) => {
    if (!s || seq < statusSeq) return false;
    statusSeq = seq;
    status = s;
    return true;
  };
  const api = async (method, path, body) => {
    const seq = ++sent;
    const response = await fetch(path, {
      method,
      headers: { 'x-ll4al-token': token, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    let json = null;
    try {
      json = await response.json();
    } catch {}
    if (!response.ok) {
      const error = new Error((json && json.error) || `HTTP ${response.status}`);
      error.status = response.status;
      throw error;
    }
    if (json && json.status && typeof json.status === 'object') takeStatus(json.status, seq);
    return json;
  };

  const say = (text, kind = '') => {
    const m = $('message');
    m.textContent = text;
    m.className = kind;
  };

  // ---- status bar ----
  const duration = (s) => (s == null ? '–' : s < 60 ? `${Math.max(1, Math.round(s))} s` : s < 3600 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);
  const renderStatus = () => {
    if (!status) return;
    $('cycle').textContent = status.cycle == null ? '–' : status.cycle === 0 ? 'initial set' : status.cycles ? `${status.cycle} / ${status.cycles}` : String(status.cycle);
    $('progress').textContent = `${status.answered} / ${status.budget}`;
    $('meter-fill').style.width = status.budget > 0 ? `${(100 * status.answered) / status.budget}%` : '0';
    $('rate').textContent = status.labelsPerHour == null ? '–' : String(status.labelsPerHour);
    $('eta').textContent = status.phase === 'labeling' ? duration(status.etaSeconds) : '–';
    $('prediction-toggle').hidden = !status.predictions;
    $('show-prediction').checked = showPrediction;
    const waiting = $('waiting');
    document.body.classList.toggle('idle', !current && !holding);
    if (current || holding) {
      waiting.hidden = true;
      return;
    }
    waiting.hidden = false;
    waiting.classList.toggle('done', status.phase === 'finished');
    if (status.phase === 'finished') {
      $('waiting-title').textContent = 'The run is finished — thank you!';
      $('waiting-detail').textContent = 'Every cycle is labeled.';
    } else if (status.phase === 'waiting') {
      const w = status.waiting;
      const stage = w ? w.stage : 'training';
      $('waiting-title').textContent = stage.charAt(0).toUpperCase() + stage.slice(1);
      $('waiting-detail').textContent = w && w.nextInSeconds != null ? `next batch in about ${duration(w.nextInSeconds)}` : 'next batch soon';
    } else {
      $('waiting-title').textContent = 'Nothing for you right now';
      $('waiting-detail').textContent = status.budget > status.answered ? 'the open items are with other people; waiting for them' : 'this cycle is answered';
    }
  };

  // ---- the stage ----
  const layout = () => {
    const wrap = $('stage-wrap');
    const size = Math.max(120, Math.floor(Math.min(wrap.clientWidth - 32, wrap.clientHeight - 48)));
    const dpr = window.devicePixelRatio || 1;
    canvas.style.width = `${size}px`;
    canvas.style.height = `${size}px`;
    canvas.width = Math.round(size * dpr);
    canvas.height = Math.round(size * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    view.size = size;
    draw();
  };

  const fit = () => {
    const img = current && current.img;
    const w = img ? img.naturalWidth : 1;
    const h = img ? img.naturalHeight : 1;
    const scale = Math.min(view.size / w, view.size / h);
    view = { ...view, w, h, scale, ox: (view.size - w * scale) / 2, oy: (view.size - h * scale) / 2 };
  };
  const toImage = (event) => {
    const r = canvas.getBoundingClientRect();
    const x = (event.clientX - r.left - view.ox) / view.scale;
    const y = (event.clientY - r.top - view.oy) / view.scale;
    return [Math.min(view.w, Math.max(0, x)), Math.min(view.h, Math.max(0, y))];
  };
  const toScreen = (x, y) => [view.ox + x * view.scale, view.oy + y * view.scale];

  const draw = () => {
    ctx.fillStyle = '#15181e';
    ctx.fillRect(0, 0, view.size, view.size);
    if (!current || !current.img) return;
    fit();
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(current.img, view.ox, view.oy, view.w * view.scale, view.h * view.scale);
    if (task.kind === 'detection') {
      const all = drag ? [...boxes, { box: drag.box, class: activeClass, drawing: true }] : boxes;
      all.forEach((b, k) => {
        const [x1, y1] = toScreen(b.box[0], b.box[1]);
        const [x2, y2] = toScreen(b.box[2], b.box[3]);
        ctx.lineWidth = k === selected ? 3 : 2;
        ctx.strokeStyle = colorOf(b.class);
        ctx.setLineDash(b.drawing ? [6, 4] : []);
        ctx.strokeRect(x1, y1, x2 - x1, y2 - y1);
        ctx.setLineDash([]);
        if (!b.drawing) {
          const name = task.classNames[b.class] ?? String(b.class);
          ctx.font = '600 13px system-ui, sans-serif';
          const tw = ctx.measureText(name).width + 10;
          ctx.fillStyle = colorOf(b.class);
          ctx.fillRect(x1 - 1, Math.max(0, y1 - 20), tw, 20);
          ctx.fillStyle = '#fff';
          ctx.fillText(name, x1 + 4, Math.max(14, y1 - 6));
        }
      });
    }
    if (task.kind === 'keypoints') {
      const names = task.keypointNames;
      const shown = hover && points.length < names.length ? [...points, hover] : points;
      if (points.length >= 4) {
        ctx.strokeStyle = 'rgba(255,255,255,.35)';
        ctx.lineWidth = 1;
        ctx.beginPath();
        for (let k = 0; k < 4; k++) {
          const [x, y] = toScreen(points[k][0], points[k][1]);
          if (k === 0) ctx.moveTo(x, y);
          else ctx.lineTo(x, y);
        }
        ctx.closePath();
        ctx.stroke();
      }
      shown.forEach((p, k) => {
        const [x, y] = toScreen(p[0], p[1]);
        const ghost = k === points.length;
        ctx.globalAlpha = ghost ? 0.45 : 1;
        ctx.fillStyle = colorOf(k);
        ctx.beginPath();
        ctx.arc(x, y, 7, 0, 2 * Math.PI);
        ctx.fill();
        ctx.strokeStyle = '#fff';
        ctx.lineWidth = 2;
        ctx.stroke();
        ctx.font = '600 13px system-ui, sans-serif';
        ctx.fillStyle = '#fff';
        // The name beside the point, kept inside the stage (below it near the top, left of it near the right).
        const tw = ctx.measureText(names[k]).width;
        const tx = x + 11 + tw > view.size - 4 ? x - 11 - tw : x + 11;
        const ty = y - 9 < 14 ? y + 22 : y - 9;
        ctx.lineWidth = 3;
        ctx.strokeStyle = 'rgba(0, 0, 0, .75)';
        ctx.strokeText(names[k], tx, ty);
        ctx.fillText(names[k], tx, ty);
        ctx.globalAlpha = 1;
      });
    }
  };

  // ---- the side panel ----
  const button = (k, name, extra = '') => {
    const b = document.createElement('button');
    b.className = `choice ${extra}`;
    b.dataset.class = String(k);
    b.innerHTML = `<kbd>${keyOf(k) || '·'}</kbd><span class="swatch" style="background:${colorOf(k)}"></span><span class="name"></span>`;
    b.querySelector('.name').textContent = name;
    return b;
  };

  const renderPanel = () => {
    const panel = $('panel');
    panel.textContent = '';
    const title = (text) => {
      const t = document.createElement('div');
      t.className = 'section-title';
      t.textContent = text;
      panel.append(t);
    };
    if (task.kind === 'classification' || task.kind === 'detection') {
      const names = task.classNames;
      title(task.kind === 'classification' ? 'class' : 'class of the selected box');
      if (names.length > 10) {
        const input = document.createElement('input');
        input.id = 'name-filter';
        input.placeholder = 'type a class name, Enter picks  (/)';
        input.autocomplete = 'off';
        input.addEventListener('input', () => renderChoices());
        input.addEventListener('keydown', (e) => {
          if (e.key === 'Enter') {
            const first = panel.querySelector('.choice:not([hidden])');
            if (first) pick(Number(first.dataset.class));
            input.value = '';
            input.blur();
            renderChoices();
            e.preventDefault();
          } else if (e.key === 'Escape') input.blur();
          e.stopPropagation();
        });
        panel.append(input);
      }
      const probs = showPrediction && prediction && current && prediction.id === current.id ? prediction.probabilities : null;
      const list = document.createElement('div');
      list.className = `choices ${task.kind === 'detection' || names.length > 10 ? 'compact' : ''}`;
      panel.append(list);
      names.forEach((name, k) => {
        const previous = current && current.previous !== undefined && task.kind === 'classification' && current.previous === k;
        const active = task.kind === 'detection' && (selected >= 0 ? boxes[selected].class === k : activeClass === k);
        const b = button(k, name, `${active ? 'active' : ''} ${previous ? 'previous' : ''}`);
        if (probs) {
          const top = probs.indexOf(Math.max(...probs));
          const meter = document.createElement('span');
          meter.className = `probability ${k === top ? 'top' : ''}`;
          meter.innerHTML = `<span class="track"><span class="bar" style="width:${(100 * probs[k]).toFixed(1)}%"></span></span><span class="pct">${Math.round(100 * probs[k])}%</span>`;
          b.append(meter);
        }
        b.addEventListener('click', () => pick(k));
        list.append(b);
      });
      if (task.kind === 'detection') {
        title('boxes');
        if (boxes.length === 0) {
          const e = document.createElement('div');
          e.className = 'empty';
          e.textContent = 'drag on the image to draw a box';
          panel.append(e);
        }
        boxes.forEach((b, k) => {
          const row = document.createElement('div');
          row.className = `box-row ${k === selected ? 'selected' : ''}`;
          row.dataset.box = String(k);
          row.innerHTML = `<span class="swatch" style="width:12px;height:12px;border-radius:3px;background:${colorOf(b.class)}"></span><span class="name"></span><button title="delete (Delete)">delete</button>`;
          row.querySelector('.name').textContent = `${task.classNames[b.class]} · ${b.box.map((v) => Math.round(v)).join(', ')}`;
          row.addEventListener('click', () => {
            selected = k;
            render();
          });
          row.querySelector('button').addEventListener('click', (e) => {
            e.stopPropagation();
            deleteBox(k);
          });
          panel.append(row);
        });
      }
      renderChoices();
    } else {
      title(`click the ${task.keypointNames.length} points in this order`);
      task.keypointNames.forEach((name, k) => {
        const b = button(k, name, k < points.length ? 'done' : k === points.length ? 'next' : '');
        b.querySelector('kbd').textContent = String(k + 1);
        b.disabled = true;
        panel.append(b);
      });
    }
    renderKeys();
  };

  const renderChoices = () => {
    const input = $('name-filter');
    const q = input ? input.value.trim().toLowerCase() : '';
    for (const b of $('panel').querySelectorAll('.choice[data-class]')) {
      b.hidden = q !== '' && !task.classNames[Number(b.dataset.class)].toLowerCase().includes(q);
    }
  };

  const renderKeys = () => {
    const keys = $('keys');
    const rows =
      task.kind === 'classification'
        ? [['1…9 0', 'pick a class'], ['s', 'skip (don’t know)'], ['z  ⌫', 'undo the last answer']]
        : task.kind === 'detection'
          ? [['drag', 'draw a box'], ['1…9 0', 'class of the selected box'], ['Del', 'delete the selected box'], ['Enter', 'submit the image'], ['s', 'skip'], ['z  ⌫', 'undo the last box, then the last answer']]
          : [['click', 'place the next point'], ['Enter', 'submit'], ['s', 'skip'], ['z  ⌫', 'undo the last point, then the last answer']];
    if (task.kind === 'detection') rows.splice(5, 1, ['z  ⌫', 'undo the last box / answer']);
    if (task.kind === 'keypoints') rows.splice(3, 1, ['z  ⌫', 'undo the last point / answer']);
    // Always the same rows for a task (no layout jump): the prediction key is dimmed while there is none.
    const predicting = Boolean(status && status.predictions);
    if (task.kind === 'classification') rows.push(['p', predicting ? 'show / hide the model’s prediction' : 'prediction (after the first training)', predicting ? '' : 'off']);
    keys.innerHTML = rows
      .map(([k, what, off = '']) => `<span class="${off}">${k.split(' ').filter(Boolean).map((x) => `<kbd>${x}</kbd>`).join(' ')}</span><span class="${off}">${what}</span>`)
      .join('');
  };

  const renderItemLine = () => {
    $('item-id').textContent = current ? `item ${current.id}${current.previous !== undefined ? ' · your earlier answer is marked' : ''}` : '';
    const p = $('prediction');
    if (showPrediction && prediction && current && prediction.id === current.id) {
      const probs = prediction.probabilities;
      let best = 0;
      for (let k = 1; k < probs.length; k++) if (probs[k] > probs[best]) best = k;
      p.textContent = `model: ${task.classNames[best]} (${(100 * probs[best]).toFixed(0)}%)`;
    } else p.textContent = '';
  };

  const render = () => {
    canvas.className = task.kind;
    renderStatus();
    renderPanel();
    renderItemLine();
    draw();
  };

  // ---- items ----
  const loadImage = (id) =>
    new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => resolve(img);
      img.onerror = () => reject(new Error(`the image of item ${id} did not load`));
      img.src = `/api/items/${id}/image?token=${encodeURIComponent(token)}`;
    });

  const leaseOne = async () => {
    // The leases this page holds go along: any other of its leases (a release still on its way) is freed first.
    const keep = [current, next].filter(Boolean).map((i) => i.lease);
    const { lease } = await api('POST', '/api/lease', { session, keep });
    if (!lease) return null;
    try {
      return { ...lease, img: await loadImage(lease.id) };
    } catch (error) {
      api('POST', '/api/release', { session, leases: [lease.lease] }).catch(() => {});
      throw error;
    }
  };

  const startItem = (item) => {
    current = item;
    boxes = [];
    points = [];
    selected = -1;
    drag = null;
    prediction = null;
    if (item && item.previous !== undefined) {
      if (task.kind === 'detection') boxes = item.previous.map((o) => ({ box: [...o.box], class: o.class }));
      if (task.kind === 'keypoints') points = item.previous.map((p) => [...p]);
    }
    render();
    if (item && showPrediction && status && status.predictions) loadPrediction();
  };

  const loadPrediction = async () => {
    const item = current;
    if (!item) return;
    try {
      const { probabilities } = await api('GET', `/api/items/${item.id}/prediction`);
      if (current === item) {
        prediction = { id: item.id, probabilities };
        render();
      }
    } catch {}
  };

  /**
   * Puts a freshly leased item where it is needed now: on screen, as the next one, or — when an
   * undo filled both places while the lease was on its way — back to the queue. No lease is
   * ever left held and unseen.
   */
  const place = (item) => {
    if (!item) return;
    if (!current) startItem(item);
    else if (!next) next = item;
    else api('POST', '/api/release', { session, leases: [item.lease] }).catch(() => {});
  };

  /** Makes sure an item is shown and the next one is loaded (one fill at a time; callers may await it). */
  let filling = null;
  const fill = () => {
    if (filling) return filling;
    filling = (async () => {
      try {
        if (!current && next) {
          const item = next;
          next = null;
          startItem(item);
        } else if (!current) {
          place(await leaseOne());
          if (!current) renderStatus();
        }
        if (current && !next) place(await leaseOne());
      } catch (error) {
        say(error.message, 'error');
      } finally {
        filling = null;
      }
    })();
    return filling;
  };

  /**
   * Shows the preloaded item. When it is not there yet (answered faster than it loaded), the
   * stage stays blank until it is, rather than flashing the waiting panel. A fill on its way
   * puts its item on screen itself (the stage is empty): that item stays — replacing it would
   * move a person's next key to an item they have not seen.
   */
  const advance = async () => {
    let item = next;
    next = null;
    if (!item) {
      current = null;
      holding = true;
      draw();
      try {
        if (filling) await filling;
        if (current) return;
        item = next ?? (await leaseOne());
      } catch (error) {
        say(error.message, 'error');
      } finally {
        holding = false;
      }
      if (current) {
        // Shown while the lease was on its way (an undo): this lease waits as the next one.
        place(item);
        render();
        return;
      }
      if (item === next) next = null;
    }
    startItem(item);
    fill();
  };

  const send = async (what, body, done) => {
    if (!current || busy) return;
    busy = true;
    const item = current;
    try {
      const result = await api('POST', what, { session, lease: item.lease, id: item.id, ...body });
      done(item, result);
      await advance();
    } catch (error) {
      if (error.status === 410 || error.status === 404) {
        say(`${error.message}`, 'error');
        await advance();
      } else say(error.message, 'error');
    } finally {
      busy = false;
      // An undo pressed while the answer was settling runs now (a key is never dropped).
      if (undoAsked) {
        undoAsked = false;
        undo();
      }
    }
  };

  const answer = (label, text) => send('/api/answer', { label }, (item) => say(`item ${item.id}: ${text}`, 'ok'));
  const skip = () => send('/api/skip', {}, (item) => say(`item ${item.id} skipped; the next-ranked item takes its place`));

  const undo = async () => {
    if (busy) {
      undoAsked = true;
      return;
    }
    busy = true;
    try {
      // No lease request may cross the undo (its `keep` would not know the undone item's lease).
      if (filling) await filling;
      const { lease } = await api('POST', '/api/undo', { session });
      const img = await loadImage(lease.id);
      // The undone item comes first; the one on screen waits; the preloaded one goes back.
      if (next) api('POST', '/api/release', { session, leases: [next.lease] }).catch(() => {});
      next = current;
      startItem({ ...lease, img });
      say(`undone: item ${lease.id} is back — answer it again`);
    } catch (error) {
      say(error.message, 'error');
    } finally {
      busy = false;
    }
  };

  // ---- answers per task ----
  const pick = (k) => {
    if (!current || k < 0 || k >= task.classNames.length) return;
    if (task.kind === 'classification') {
      answer(k, task.classNames[k]);
      return;
    }
    activeClass = k;
    if (selected >= 0) boxes[selected].class = k;
    render();
  };

  const submit = () => {
    if (!current) return;
    if (task.kind === 'detection') {
      if (boxes.length === 0) {
        say('draw at least one box, or press s to skip', 'error');
        return;
      }
      answer(boxes.map((b) => ({ box: b.box, class: b.class })), `${boxes.length} box${boxes.length > 1 ? 'es' : ''}`);
    } else if (task.kind === 'keypoints') {
      if (points.length < task.keypointNames.length) {
        say(`place all ${task.keypointNames.length} points first (next: ${task.keypointNames[points.length]})`, 'error');
        return;
      }
      answer(points, `${points.length} points`);
    }
  };

  const deleteBox = (k) => {
    if (k < 0 || k >= boxes.length) return;
    boxes.splice(k, 1);
    selected = Math.min(selected, boxes.length - 1);
    render();
  };

  const round1 = (v) => Math.round(v * 10) / 10;

  canvas.addEventListener('pointerdown', (event) => {
    if (!current || event.button !== 0) return;
    const [x, y] = toImage(event);
    if (task.kind === 'detection') {
      drag = { x, y, box: [x, y, x, y] };
      canvas.setPointerCapture(event.pointerId);
    } else if (task.kind === 'keypoints' && points.length < task.keypointNames.length) {
      points.push([round1(x), round1(y)]);
      hover = null;
      render();
    }
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!current) return;
    const [x, y] = toImage(event);
    if (task.kind === 'detection' && drag) {
      drag.box = [Math.min(drag.x, x), Math.min(drag.y, y), Math.max(drag.x, x), Math.max(drag.y, y)];
      draw();
    } else if (task.kind === 'keypoints') {
      hover = [x, y];
      draw();
    }
  });
  canvas.addEventListener('pointerleave', () => {
    hover = null;
    draw();
  });
  canvas.addEventListener('pointerup', (event) => {
    if (task.kind !== 'detection' || !drag) return;
    const [x1, y1, x2, y2] = drag.box.map((v) => Math.round(v));
    const start = drag;
    drag = null;
    if (x2 - x1 >= 1 && y2 - y1 >= 1) {
      boxes.push({ box: [x1, y1, x2, y2], class: activeClass });
      selected = boxes.length - 1;
    } else {
      // A click: select the smallest box under it.
      let best = -1;
      boxes.forEach((b, k) => {
        const inside = start.x >= b.box[0] && start.x <= b.box[2] && start.y >= b.box[1] && start.y <= b.box[3];
        const area = (b.box[2] - b.box[0]) * (b.box[3] - b.box[1]);
        if (inside && (best < 0 || area < (boxes[best].box[2] - boxes[best].box[0]) * (boxes[best].box[3] - boxes[best].box[1]))) best = k;
      });
      selected = best;
    }
    void event;
    render();
  });

  document.addEventListener('keydown', (event) => {
    if (!task || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA') && target.type !== 'checkbox') return;
    const key = event.key;
    if (key === 'p' && status && status.predictions) {
      showPrediction = !showPrediction;
      localStorage.setItem('ll4al-prediction', showPrediction ? '1' : '0');
      if (showPrediction) loadPrediction();
      render();
      event.preventDefault();
      return;
    }
    if (key === 'z' || key === 'Backspace') {
      event.preventDefault();
      if (task.kind === 'detection' && current && boxes.length > 0) {
        boxes.pop();
        selected = boxes.length - 1;
        render();
      } else if (task.kind === 'keypoints' && current && points.length > 0) {
        points.pop();
        render();
      } else undo();
      return;
    }
    if (!current) return;
    if (/^[0-9]$/.test(key) && task.kind !== 'keypoints') {
      pick(key === '0' ? 9 : Number(key) - 1);
      event.preventDefault();
    } else if (key === 's') {
      skip();
      event.preventDefault();
    } else if (key === 'Enter') {
      submit();
      event.preventDefault();
    } else if ((key === 'Delete' || key === 'x') && task.kind === 'detection') {
      deleteBox(selected);
      event.preventDefault();
    } else if (key === '/' && $('name-filter')) {
      $('name-filter').focus();
      event.preventDefault();
    } else if (key === 'Escape' && task.kind === 'detection') {
      selected = -1;
      render();
    }
  });
  $('show-prediction').addEventListener('change', (e) => {
    showPrediction = e.target.checked;
    localStorage.setItem('ll4al-prediction', showPrediction ? '1' : '0');
    if (showPrediction) loadPrediction();
    render();
    e.target.blur();
  });

  // ---- leases and polling ----
  const renew = async () => {
    const held = [current, next].filter(Boolean);
    if (held.length === 0) return;
    try {
      const { gone } = await api('POST', '/api/renew', { session, leases: held.map((i) => i.lease) });
      if (next && gone.includes(next.lease)) next = null;
      if (current && gone.includes(current.lease)) {
        say(`the lease of item ${current.id} expired; it went back to the queue`, 'error');
        advance();
      }
    } catch {}
  };

  const poll = async () => {
    try {
      await api('GET', '/api/state');
      if (holding || busy) {
        // an answer or undo is settling the shown item: leave the items to it
      } else if (!current) await fill();
      else if (!next) fill();
      renderStatus();
      if (status.phase === 'waiting' && current) {
        // The round closed under us (training started): what we hold is void.
        current = null;
        next = null;
        startItem(null);
      }
    } catch (error) {
      if (error.status === undefined) {
        status = status && { ...status, phase: status.phase === 'finished' ? 'finished' : 'waiting', waiting: { stage: 'the server is not answering', nextInSeconds: null } };
        current = null;
        next = null;
        renderStatus();
        $('waiting').hidden = false;
        if (!status || status.phase !== 'finished') {
          $('waiting-title').textContent = 'The server is not answering';
          $('waiting-detail').textContent = 'the run may have stopped; this page retries by itself';
        }
        draw();
      } else say(error.message, 'error');
    }
  };

  window.addEventListener('pagehide', () => {
    const held = [current, next].filter(Boolean).map((i) => i.lease);
    if (held.length === 0) return;
    fetch('/api/release', { method: 'POST', keepalive: true, headers: { 'x-ll4al-token': token, 'content-type': 'application/json' }, body: JSON.stringify({ session, leases: held }) }).catch(() => {});
  });
  window.addEventListener('resize', layout);

  const start = async () => {
    try {
      const state = await api('GET', '/api/state');
      task = state.task;
      $('task-name').textContent = `· ${task.kind}`;
      document.title = `ll4al · ${task.kind}`;
      layout();
      render();
      await fill();
    } catch (error) {
      say(error.message, 'error');
      $('waiting').hidden = false;
      $('waiting-title').textContent = error.status === 401 ? 'This link has no valid token' : 'Cannot reach the server';
      $('waiting-detail').textContent = error.status === 401 ? 'open the URL the run printed (…/?token=…)' : '';
    }
    setInterval(poll, 1000);
    const renewLoop = () => {
      renew().finally(() => setTimeout(renewLoop, Math.max(250, Math.min(10_000, ((status && status.leaseMs) || 30_000) / 3))));
    };
    renewLoop();
  };
  start();
})();
