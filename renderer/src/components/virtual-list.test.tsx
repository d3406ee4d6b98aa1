import '../test/setup.js';
import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { VirtualList } from './virtual-list.js';

describe('VirtualList', () => {
  it('renders only a window of a long list', async () => {
    const items = Array.from({ length: 100_000 }, (_, i) => `row ${i}`);
    render(<VirtualList items={items} label="rows" getKey={(s) => s} renderRow={(s) => <span>{s}</span>} />);
    expect(await screen.findByText('row 0')).toBeInTheDocument();
    expect(screen.queryByText('row 5000')).not.toBeInTheDocument();
    expect(screen.getAllByText(/^row /).length).toBeLessThan(40);
  });
});
