import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

// jsdom has no layout: give scroll containers a size so virtualized lists render their first rows.
Object.defineProperty(HTMLElement.prototype, 'getBoundingClientRect', {
  configurable: true,
  value() {
    return { width: 800, height: 420, top: 0, left: 0, right: 800, bottom: 420, x: 0, y: 0, toJSON() {} };
  },
});
Object.defineProperty(HTMLElement.prototype, 'offsetHeight', { configurable: true, get: () => 420 });
Object.defineProperty(HTMLElement.prototype, 'offsetWidth', { configurable: true, get: () => 800 });
window.print = () => {};
window.confirm = () => true;

afterEach(() => cleanup());
Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 420 });
Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 800 });
