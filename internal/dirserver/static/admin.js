// Copy buttons and delete confirmations for the Dialtone directory admin
// page. The page works without this script; it only adds conveniences.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const text = document.getElementById(button.dataset.copy).textContent.trim();
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const range = document.createRange();
    range.selectNodeContents(document.getElementById(button.dataset.copy));
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    document.execCommand("copy");
  }
  const label = button.textContent;
  button.textContent = "Copied";
  button.classList.add("done");
  setTimeout(() => { button.textContent = label; button.classList.remove("done"); }, 1500);
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.classList.contains("confirm") && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
