import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { connect } from './api/client.js';
import { App } from './app.js';
import { createI18n, pickLanguage } from './i18n/index.js';
import './styles.css';

// Start in the OS language; App switches to the configured one as soon as the state arrives.
const i18n = createI18n(pickLanguage(undefined, navigator.languages ?? [navigator.language]));
void connect(new AbortController().signal);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <I18nextProvider i18n={i18n}>
      <App />
    </I18nextProvider>
  </StrictMode>,
);
