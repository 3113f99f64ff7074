// The login form: JSON to POST /login (a form post would be refused), then the dashboard.
const form = document.getElementById("login");
const error = document.getElementById("error");
// Enabled only now: a form sent before this script ran would not be JSON (and is refused).
form.querySelector("button").disabled = false;
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  const data = new FormData(form);
  const response = await fetch("/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user: data.get("user"), password: data.get("password") }),
  });
  // Read to the end before leaving the page, so the request is not cut off.
  const body = await response.json().catch(() => ({}));
  if (response.ok) {
    location.href = "/";
    return;
  }
  error.textContent = body.error?.message ?? `login failed (${response.status})`;
});
