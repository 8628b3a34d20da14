// Loads the app; if a module cannot load, says so in the window instead of
// leaving it blank (there is no console for the person at the counter).
import('./app.js').catch((e) => {
  const box = document.getElementById('global-error');
  document.body.dataset.bootError = String(e && e.stack ? `${e}\n${e.stack}` : e);
  if (box) {
    box.textContent = `程序未能启动 / The app could not start: ${e}`;
    box.hidden = false;
  }
});
