// Proves that scripts load and run through the edge.
document.addEventListener('DOMContentLoaded', () => {
  const status = document.getElementById('script-status');
  if (status) {
    status.textContent = 'JavaScript ran.';
    status.className = 'ran';
  }
});
